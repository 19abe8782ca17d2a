using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Table;
using ManagedKv.Lsm.Tests.IO;
using Entry = System.Collections.Generic.KeyValuePair<byte[], byte[]>;

namespace ManagedKv.Lsm.Tests.Table;

public sealed class BlockReadaheadTests
{
    private static (string Path, List<Entry> Entries) BuildTable(TempDirectory dir, CompressionType compression, int seed)
    {
        string path = dir.File("000007.sst");
        List<Entry> entries = TableTestUtil.RandomEntries(new Random(seed), 3000, 2, 80, compressible: true);
        TableTestUtil.Build(path, new TableBuilderOptions { BlockSize = 512, Compression = compression }, entries);
        return (path, entries);
    }

    private static TableReader OpenCounting(string path, out FaultInjectingFile file, BlockCache? cache)
    {
        file = new FaultInjectingFile(RandomAccessFile.Open(path));
        return TableReader.Open(file, path, 1, new FileInfo(path).Length, new TableReaderOptions { BlockCache = cache });
    }

    [Theory]
    [InlineData(CompressionType.Zstd, true)]
    [InlineData(CompressionType.Lz4, false)]
    [InlineData(CompressionType.Zstd, false)]
    [InlineData(CompressionType.None, true)]   // uncompressed blocks read with pread (not mapped): into the cache
    [InlineData(CompressionType.None, false)]  // ... or into the iterator's scratch
    public void ScansBothWaysReadWindowsAndReturnTheModelsEntries(CompressionType compression, bool withCache)
    {
        using var dir = new TempDirectory();
        (string path, List<Entry> entries) = BuildTable(dir, compression, 5);
        TableReader reader = OpenCounting(path, out FaultInjectingFile file, withCache ? new BlockCache(64 << 10) : null);
        try
        {
            ulong blocks = reader.Properties.NumDataBlocks;
            Assert.True(blocks > 100, $"{blocks} blocks");
            using IInternalIterator it = reader.NewIterator();
            int readsBefore = file.Reads;
            int n = 0;
            for (it.SeekToFirst(); it.Valid; it.Next(), n++)
            {
                Assert.True(it.Key.SequenceEqual(entries[n].Key), $"forward entry {n}");
                Assert.True(it.Value.SequenceEqual(entries[n].Value), $"forward value {n}");
            }
            Assert.Equal(entries.Count, n);
            int forwardReads = file.Reads - readsBefore;
            Assert.True(forwardReads < (int)blocks / 4, $"{forwardReads} reads for {blocks} blocks forward");

            readsBefore = file.Reads;
            for (it.SeekToLast(); it.Valid; it.Prev())
            {
                n--;
                Assert.True(it.Key.SequenceEqual(entries[n].Key), $"backward entry {n}");
                Assert.True(it.Value.SequenceEqual(entries[n].Value), $"backward value {n}");
            }
            Assert.Equal(0, n);
            int backwardReads = file.Reads - readsBefore;
            Assert.True(backwardReads < (int)blocks / 4, $"{backwardReads} reads for {blocks} blocks backward");
        }
        finally
        {
            reader.Unref();
        }
    }

    [Fact]
    public void RandomSeeksWithShortWalksMatchTheModel()
    {
        using var dir = new TempDirectory();
        (string path, List<Entry> entries) = BuildTable(dir, CompressionType.Zstd, 6);
        TableReader reader = OpenCounting(path, out _, null);
        var rnd = new Random(6);
        try
        {
            using IInternalIterator it = reader.NewIterator();
            for (int round = 0; round < 300; round++)
            {
                int pos = rnd.Next(entries.Count);
                it.Seek(entries[pos].Key);
                int steps = rnd.Next(0, 200);
                bool forward = rnd.Next(2) == 0;
                for (int s = 0; s < steps && pos >= 0 && pos < entries.Count; s++)
                {
                    Assert.True(it.Valid, $"round {round}: expected entry {pos}");
                    Assert.True(it.Key.SequenceEqual(entries[pos].Key), $"round {round}: entry {pos}");
                    Assert.True(it.Value.SequenceEqual(entries[pos].Value), $"round {round}: value {pos}");
                    if (rnd.Next(10) == 0)
                    {
                        forward = !forward;
                    }
                    if (forward)
                    {
                        it.Next();
                        pos++;
                    }
                    else
                    {
                        it.Prev();
                        pos--;
                    }
                }
                if (pos < 0 || pos >= entries.Count)
                {
                    Assert.False(it.Valid, $"round {round}: expected the end");
                }
            }
        }
        finally
        {
            reader.Unref();
        }
    }

    [Fact]
    public void DamagedBlockInsideAWindowIsStillCorruption()
    {
        using var dir = new TempDirectory();
        (string path, _) = BuildTable(dir, CompressionType.Zstd, 7);
        TableReader reader = OpenCounting(path, out FaultInjectingFile file, null);
        try
        {
            // A block well past the first windows: read through a window, its checksum must still fail.
            var index = new BlockIterator();
            BlockContents indexBlock = reader.GetIndexBlock();
            indexBlock.ResetIterator(index, true, path, 0);
            index.SeekToFirst();
            for (int i = 0; i < 40; i++)
            {
                index.Next();
            }
            BlockHandle victim = reader.DecodeIndexValue(index.Value);
            index.Clear();
            indexBlock.Release();
            file.FlipOffset = (long)victim.Offset + ((long)victim.Size / 2);

            using IInternalIterator it = reader.NewIterator();
            var e = Assert.Throws<CorruptionException>(() =>
            {
                for (it.SeekToFirst(); it.Valid; it.Next())
                {
                }
            });
            Assert.Equal((long)victim.Offset, e.Offset);
        }
        finally
        {
            reader.Unref();
        }
    }

    [Fact]
    public void NoWindowUntilTwoAdjacentReads()
    {
        using var dir = new TempDirectory();
        (string path, _) = BuildTable(dir, CompressionType.None, 8);
        using RandomAccessFile file = RandomAccessFile.Open(path);
        var readahead = new BlockReadahead();
        long limit = file.Length;
        Assert.False(readahead.TryRead(file, limit, 0, 100, out _));       // first read
        Assert.False(readahead.TryRead(file, limit, 5000, 100, out _));    // not adjacent
        Assert.False(readahead.TryRead(file, limit, 5100, 100, out _));    // adjacent once
        Assert.True(readahead.TryRead(file, limit, 5200, 100, out ReadOnlySpan<byte> raw)); // a run: window read
        byte[] expected = new byte[100];
        file.Read(5200, expected);
        Assert.True(raw.SequenceEqual(expected));
        Assert.True(readahead.TryRead(file, limit, 5300, 50, out raw));    // inside the window
        Assert.True(readahead.TryRead(file, limit, 100, 100, out _) is false); // a jump: no window
        readahead.Reset();
    }
}
