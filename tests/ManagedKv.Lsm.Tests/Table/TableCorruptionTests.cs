using System.Buffers;
using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Table;
using ManagedKv.Lsm.Tests.IO;
using ManagedKv.Lsm.Util;
using Entry = System.Collections.Generic.KeyValuePair<byte[], byte[]>;

namespace ManagedKv.Lsm.Tests.Table;

public sealed class TableCorruptionTests
{
    private static (string Path, List<Entry> Entries) BuildTable(TempDirectory dir, CompressionType compression, int userKeys = 400)
    {
        string path = dir.File("000042.sst");
        List<Entry> entries = TableTestUtil.RandomEntries(new Random(42), userKeys, 2, 60, compressible: true);
        TableTestUtil.Build(path, new TableBuilderOptions { BlockSize = 512, Compression = compression }, entries);
        return (path, entries);
    }

    private static Footer ReadFooter(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        return Footer.Decode(bytes.AsSpan(bytes.Length - TableFormat.FooterSize), path, bytes.Length - TableFormat.FooterSize);
    }

    private static List<BlockHandle> DataBlocks(string path)
    {
        TableReader reader = TableTestUtil.Open(path, new TableReaderOptions());
        var handles = new List<BlockHandle>();
        var index = new BlockIterator();
        BlockContents block = reader.GetIndexBlock();
        block.ResetIterator(index, true, path, 0);
        for (index.SeekToFirst(); index.Valid; index.Next())
        {
            handles.Add(reader.DecodeIndexValue(index.Value));
        }
        index.Clear();
        block.Release();
        reader.Unref();
        return handles;
    }

    private static void FlipByte(string path, long offset)
    {
        using FileStream stream = File.Open(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        int b = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(b ^ 0x01));
    }

    private static void ScanAll(TableReader reader)
    {
        using IInternalIterator it = reader.NewIterator();
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
        }
    }

    [Fact]
    public void MappedBlockVerifiedOnceStillChecksAnyOtherHandle()
    {
        // Mapped blocks remember the exact handles whose checksum matched; a handle at the same offset with another
        // size (a corrupt index) is checked on its own and fails.
        using var dir = new TempDirectory();
        (string path, _) = BuildTable(dir, CompressionType.None);
        List<BlockHandle> blocks = DataBlocks(path);
        TableReader reader = TableTestUtil.Open(path, new TableReaderOptions { UseMemoryMap = true, BlockCache = new BlockCache(1 << 20) });
        try
        {
            byte[]? scratch = null;
            for (int round = 0; round < 2; round++)
            {
                foreach (BlockHandle handle in blocks)
                {
                    BlockContents contents = reader.ReadDataBlock(handle, fillCache: true, ref scratch);
                    Assert.Equal((int)handle.Size, contents.Length);
                    contents.Release();
                }
            }
            var shorter = new BlockHandle(blocks[2].Offset, blocks[2].Size - 1);
            var e = Assert.Throws<CorruptionException>(() => reader.ReadDataBlock(shorter, fillCache: true, ref scratch));
            Assert.Equal((long)blocks[2].Offset, e.Offset);
        }
        finally
        {
            reader.Unref();
        }
    }

    [Theory]
    [InlineData(CompressionType.None, false, false)]
    [InlineData(CompressionType.None, true, false)]
    [InlineData(CompressionType.Lz4, false, false)]
    [InlineData(CompressionType.Zstd, true, false)]
    [InlineData(CompressionType.None, false, true)] // the trailer's compression type byte is covered too
    public void FlippedByteInADataBlockIsReportedWithFileAndBlockOffset(CompressionType compression, bool mmap, bool inTrailer)
    {
        using var dir = new TempDirectory();
        (string path, List<Entry> entries) = BuildTable(dir, compression);
        List<BlockHandle> blocks = DataBlocks(path);
        Assert.True(blocks.Count > 5);
        BlockHandle victim = blocks[3];
        FlipByte(path, (long)victim.Offset + (inTrailer ? (long)victim.Size : (long)victim.Size / 2));

        TableReader reader = TableTestUtil.Open(path, new TableReaderOptions { UseMemoryMap = mmap, BlockCache = new BlockCache(1 << 20) });
        var e = Assert.Throws<CorruptionException>(() => ScanAll(reader));
        Assert.Equal(path, e.FilePath);
        Assert.Equal((long)victim.Offset, e.Offset);

        // Every Get either answers like the model (its block is intact) or throws for the damaged block.
        var sink = new ArrayBufferWriter<byte>();
        int failures = 0;
        foreach (Entry entry in entries)
        {
            byte[] user = InternalKey.UserKey(entry.Key).ToArray();
            ulong seq = InternalKey.Sequence(entry.Key);
            sink.ResetWrittenCount();
            try
            {
                LookupResult r = reader.Get(user, seq, sink);
                (LookupResult expected, byte[]? value) = TableTestUtil.ModelGet(entries, user, seq);
                Assert.Equal(expected, r);
                Assert.True(value == null || sink.WrittenSpan.SequenceEqual(value));
            }
            catch (CorruptionException c)
            {
                Assert.Equal((long)victim.Offset, c.Offset);
                failures++;
            }
        }
        Assert.True(failures > 0);
        reader.Unref();
    }

    [Fact]
    public void FlippedByteInTheIndexFailsOpenWithTheIndexOffset()
    {
        using var dir = new TempDirectory();
        (string path, _) = BuildTable(dir, CompressionType.None);
        BlockHandle index = ReadFooter(path).IndexHandle;
        FlipByte(path, (long)index.Offset + 3);
        var e = Assert.Throws<CorruptionException>(() => TableTestUtil.Open(path, new TableReaderOptions()));
        Assert.Equal(path, e.FilePath);
        Assert.Equal((long)index.Offset, e.Offset);
    }

    [Fact]
    public void FlippedByteInTheMetaindexFailsOpenWithItsOffset()
    {
        using var dir = new TempDirectory();
        (string path, _) = BuildTable(dir, CompressionType.None);
        BlockHandle metaindex = ReadFooter(path).MetaindexHandle;
        FlipByte(path, (long)metaindex.Offset + 1);
        var e = Assert.Throws<CorruptionException>(() => TableTestUtil.Open(path, new TableReaderOptions()));
        Assert.Equal((long)metaindex.Offset, e.Offset);
    }

    [Theory]
    [InlineData(0, "footer checksum mismatch")]       // a block handle
    [InlineData(30, "footer checksum mismatch")]      // padding
    [InlineData(44, "footer checksum mismatch")]      // the checksum itself
    [InlineData(50, "bad SST magic number")]
    public void FlippedByteInTheFooterFailsOpen(int footerByte, string reason)
    {
        using var dir = new TempDirectory();
        (string path, _) = BuildTable(dir, CompressionType.None);
        long footerOffset = new FileInfo(path).Length - TableFormat.FooterSize;
        FlipByte(path, footerOffset + footerByte);
        var e = Assert.Throws<CorruptionException>(() => TableTestUtil.Open(path, new TableReaderOptions()));
        Assert.Equal(path, e.FilePath);
        Assert.Equal(footerOffset, e.Offset);
        Assert.StartsWith(reason, e.Reason);
    }

    [Fact]
    public void UnknownFormatVersionIsRefusedClearly()
    {
        using var dir = new TempDirectory();
        (string path, _) = BuildTable(dir, CompressionType.None);
        byte[] bytes = File.ReadAllBytes(path);
        Span<byte> footer = bytes.AsSpan(bytes.Length - TableFormat.FooterSize);
        Coding.WriteFixed32(footer[40..], 3);
        Coding.WriteFixed32(footer[44..], Checksum.Compute(footer[..44], TableFormat.FooterChecksumTag));
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<CorruptionException>(() => TableTestUtil.Open(path, new TableReaderOptions()));
        Assert.Contains("unsupported SST format version 3", e.Message);
    }

    [Fact]
    public void AFooterVersionThePropertiesContradictIsCorruption()
    {
        using var dir = new TempDirectory();
        (string path, _) = BuildTable(dir, CompressionType.None);
        byte[] bytes = File.ReadAllBytes(path);
        Span<byte> footer = bytes.AsSpan(bytes.Length - TableFormat.FooterSize);
        uint version = Coding.ReadFixed32(footer[40..]);
        Coding.WriteFixed32(footer[40..], version == 1 ? 2u : 1u); // the index would be read with the wrong keys
        Coding.WriteFixed32(footer[44..], Checksum.Compute(footer[..44], TableFormat.FooterChecksumTag));
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<CorruptionException>(() => TableTestUtil.Open(path, new TableReaderOptions()));
        Assert.Contains("format version", e.Message);
    }

    [Fact]
    public void TruncatedFileFailsOpen()
    {
        using var dir = new TempDirectory();
        (string path, _) = BuildTable(dir, CompressionType.None);
        long size = new FileInfo(path).Length;
        using (FileStream stream = File.Open(path, FileMode.Open))
        {
            stream.SetLength(size - 100);
        }
        // Opened with the size the MANIFEST recorded: the file is too short.
        var e = Assert.Throws<CorruptionException>(() => TableReader.Open(RandomAccessFile.Open(path), path, 42, size, new TableReaderOptions()));
        Assert.Equal(path, e.FilePath);
        // Opened with its current size: the footer is gone.
        Assert.Throws<CorruptionException>(() => TableTestUtil.Open(path, new TableReaderOptions()));
    }

    [Fact]
    public void ReadErrorsPropagateAsIOExceptionsNotCorruption()
    {
        using var dir = new TempDirectory();
        (string path, List<Entry> entries) = BuildTable(dir, CompressionType.None);
        var file = new FaultInjectingFile(RandomAccessFile.Open(path));
        TableReader reader = TableReader.Open(file, path, 42, new FileInfo(path).Length, new TableReaderOptions());
        file.FailFrom = 0;
        file.FailTo = 1;
        IOException e = Assert.Throws<IOException>(() => reader.Get(InternalKey.UserKey(entries[0].Key), SequenceNumber.Max, null));
        Assert.IsNotType<CorruptionException>(e);
        reader.Unref();
        Assert.True(file.Disposed);
    }

    /// <summary>
    /// Every byte of an SST is covered by a check (block checksums seeded with the type byte, footer checksum,
    /// magic): flipping any single byte must make open, scan or lookups throw, and nothing may answer wrongly first.
    /// </summary>
    [Fact]
    public void EveryFlippedByteIsDetectedAndNoWrongDataIsReturned()
    {
        using var dir = new TempDirectory();
        (string path, List<Entry> entries) = BuildTable(dir, CompressionType.Lz4, userKeys: 30);
        long length = new FileInfo(path).Length;
        var sink = new ArrayBufferWriter<byte>();
        for (long offset = 0; offset < length; offset++)
        {
            var file = new FaultInjectingFile(RandomAccessFile.Open(path)) { FlipOffset = offset };
            TableReader? reader = null;
            bool detected = false;
            try
            {
                reader = TableReader.Open(file, path, 42, length, new TableReaderOptions());
                ScanAll(reader);
                foreach (Entry entry in entries)
                {
                    byte[] user = InternalKey.UserKey(entry.Key).ToArray();
                    sink.ResetWrittenCount();
                    LookupResult r = reader.Get(user, InternalKey.Sequence(entry.Key), sink);
                    (LookupResult expected, byte[]? value) = TableTestUtil.ModelGet(entries, user, InternalKey.Sequence(entry.Key));
                    Assert.True(expected == r, $"flip at {offset}: expected {expected}, got {r}");
                    Assert.True(value == null || sink.WrittenSpan.SequenceEqual(value), $"flip at {offset}: wrong value");
                }
            }
            catch (CorruptionException e)
            {
                Assert.Equal(path, e.FilePath);
                detected = true;
            }
            finally
            {
                reader?.Unref();
            }
            Assert.True(detected, $"flip at offset {offset} of {length} went unnoticed");
            Assert.True(file.Disposed);
        }
    }
}
