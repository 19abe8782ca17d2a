namespace ManagedKv.RaftEngine.Tests.Batch;

/// <summary>Pins the on-disk format (FORMAT.md): a change here must come with a new format version.</summary>
public sealed class GoldenBytesTests
{
    [Fact]
    public void BatchEncodingIsPinned()
    {
        var batch = new LogBatch();
        batch.AddEntries(7, 5, new ReadOnlyMemory<byte>[] { "ab"u8.ToArray(), "c"u8.ToArray() });
        batch.PutState(7, "k"u8, "v"u8);
        batch.DeleteState(7, "x"u8);
        batch.Compact(7, 3);
        batch.Clean(9);
        batch.Finish(compressionThreshold: 0);
        batch.SealHeader(fileSeq: 1);
        byte[] encoded = [.. batch.HeadMemory.ToArray(), .. batch.DataMemory.ToArray()];
        string expected =
            "DEF46EAB" + "12" + "07"                            // header: checksum, items 18, data 7
            + "010705020302"                                    // Entries: region 7, first 5, count 2, raw 3, length 2 (the last takes the rest)
            + "0A016B0176"                                      // PutState (same region): "k" = "v"
            + "0B0178"                                          // DeleteState (same region): "x"
            + "0C03"                                            // Compact (same region) to 3
            + "0509"                                            // Clean: region 9
            + "616263" + "50392F89";                            // block "abc" + xxh3-low32(seed 0)
        Assert.Equal(expected, Convert.ToHexString(encoded));
        Assert.Equal(6, batch.HeaderLength);
        Assert.Equal(31, batch.EncodedLength);
    }

    [Fact]
    public void CompressedEntriesCarryTheirCompressionInTheItemByteAndTheirBlockLength()
    {
        var batch = new LogBatch();
        batch.AddEntries(300, 1, new ReadOnlyMemory<byte>[] { new byte[100], new byte[60] });
        batch.Finish(compressionThreshold: 64);
        ReadOnlySpan<byte> items = batch.Items;
        // item byte: Entries | LZ4 << 4; region 300 (AC 02); first 1; count 2; raw 160 (A0 01); block; length 100.
        Assert.Equal("11AC02" + "01" + "02" + "A001", Convert.ToHexString(items[..7]));
        int block = batch.DataMemory.Length;
        Assert.True(block < 64);
        Assert.Equal(Convert.ToHexString([(byte)block, 100]), Convert.ToHexString(items[7..]));
        var reader = new BatchItemReader(items, LogFileFormat.Version);
        BatchItem item = default;
        Assert.True(reader.TryRead(ref item, out _));
        Assert.Equal(BatchFormat.CompressionLz4, item.Compression);
        Assert.Equal(160, item.RawLength);
        Assert.Equal(block, item.BlockLength);
        Span<uint> ends = stackalloc uint[2];
        BatchItemReader.DecodeEnds(item.EntryLengths, ends, item.RawLength);
        Assert.Equal(100u, ends[0]);
        Assert.Equal(160u, ends[1]);
    }

    [Fact]
    public void VersionTwoItemsAreStillParsed()
    {
        // The version 2 items of the batch above (pinned before version 3): every item names its region, Entries
        // carry a compression byte, the block length and every entry length.
        byte[] items = Convert.FromHexString("010705020003070201" + "0207016B0176" + "03070178" + "040703" + "0509");
        var reader = new BatchItemReader(items, 2);
        BatchItem item = default;
        Assert.True(reader.TryRead(ref item, out _));
        Assert.Equal((BatchFormat.TagEntries, 7UL, 5UL, 2, 3, 7), (item.Tag, item.Region, item.Index, item.Count, item.RawLength, item.BlockLength));
        Span<uint> ends = stackalloc uint[2];
        BatchItemReader.DecodeEnds(item.EntryLengths, ends, item.RawLength);
        Assert.Equal(2u, ends[0]);
        Assert.Equal(3u, ends[1]);
        Assert.True(reader.TryRead(ref item, out _));
        Assert.Equal((BatchFormat.TagPutState, 7UL, "k", "v"), (item.Tag, item.Region, System.Text.Encoding.ASCII.GetString(item.Key), System.Text.Encoding.ASCII.GetString(item.Value)));
        Assert.True(reader.TryRead(ref item, out _));
        Assert.Equal((BatchFormat.TagDeleteState, 7UL), (item.Tag, item.Region));
        Assert.True(reader.TryRead(ref item, out _));
        Assert.Equal((BatchFormat.TagCompact, 7UL, 3UL), (item.Tag, item.Region, item.Index));
        Assert.True(reader.TryRead(ref item, out _));
        Assert.Equal((BatchFormat.TagClean, 9UL), (item.Tag, item.Region));
        Assert.True(reader.AtEnd);
        // The same bytes are not version 3 items: 0x01 0x07 0x05 0x02 0x00 reads raw length 0 and then entry lengths
        // that exceed it.
        var v3 = new BatchItemReader(items, 3);
        Assert.False(v3.TryRead(ref item, out string? error));
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("4907", "reserved bits")]                 // bit 6 set
    [InlineData("0A016B0176", "previous item's region")]   // PutState "same region" as the first item
    [InlineData("1207016B0176", "compression")]            // PutState with a compression
    [InlineData("210701010105", "unknown compression type 2")]
    [InlineData("0601", "unknown item tag 6")]
    [InlineData("0107050203", "truncated")]               // Entries: count 2 but no entry length
    [InlineData("01070502030405", "exceed")]              // entry length 4 > raw length 3
    public void MalformedVersionThreeItemsAreReported(string hex, string reason)
    {
        var reader = new BatchItemReader(Convert.FromHexString(hex), 3);
        BatchItem item = default;
        Assert.False(reader.TryRead(ref item, out string? error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void FileHeaderIsPinned()
    {
        byte[] header = new byte[LogFileFormat.HeaderSize];
        LogFileFormat.WriteHeader(header, seq: 5, prevSeq: 4, prevLength: 0x1234);
        Assert.Equal(
            "4D4B56524146544C" + "03000000" + "00000000"     // magic, version 3, reserved
            + "0500000000000000"                                // file sequence 5
            + "0400000000000000" + "3412000000000000"           // previous file 4 holds 0x1234 bytes of data
            + "A4082712" + "00000000",                          // xxh3-low32(seed 0) of [0, 40), reserved
            Convert.ToHexString(header));
        Assert.Null(LogFileFormat.CheckHeader(header, 5, out LogFileHeader parsed));
        Assert.Equal(new LogFileHeader(3, LogFileFormat.HeaderSize, 5, 4, 0x1234), parsed);
        Assert.NotNull(LogFileFormat.CheckHeader(header, 6, out _));
        Assert.Equal("0000000000000042.raftlog", LogFileFormat.FileName(42));
        Assert.Equal("0000000000000042.raftrecycle", LogFileFormat.RecycleFileName(42));
    }

    [Fact]
    public void VersionTwoFileHeaderIsStillRead()
    {
        // As format version 2 wrote it (pinned before version 3).
        byte[] header = Convert.FromHexString("4D4B56524146544C" + "02000000" + "00000000" + "0500000000000000"
            + "0400000000000000" + "3412000000000000" + "2B9A075B" + "00000000");
        Assert.Null(LogFileFormat.CheckHeader(header, 5, out LogFileHeader parsed));
        Assert.Equal(new LogFileHeader(2, LogFileFormat.HeaderSize, 5, 4, 0x1234), parsed);
    }

    [Fact]
    public void VersionOneFileHeaderIsStillRead()
    {
        byte[] header = Convert.FromHexString("4D4B56524146544C" + "01000000" + "3DDA38BE");
        Assert.Null(LogFileFormat.CheckHeader(header, 9, out LogFileHeader parsed));
        Assert.Equal(new LogFileHeader(1, LogFileFormat.HeaderSizeV1, 9, 0, 0), parsed);
        header[8] = 4;
        Assert.Contains("unsupported format version 4 (this code reads versions 1 to 3)", LogFileFormat.CheckHeader(header, 9, out _));
    }

    [Fact]
    public void CompressedBlockIsMarkedAndChecksummedOverStoredBytes()
    {
        var batch = new LogBatch();
        byte[] entry = new byte[4096];
        batch.AddEntries(1, 1, new ReadOnlyMemory<byte>[] { entry });
        batch.Finish(compressionThreshold: 1024);
        var reader = new BatchItemReader(batch.Items, LogFileFormat.Version);
        BatchItem item = default;
        Assert.True(reader.TryRead(ref item, out _));
        Assert.Equal(BatchFormat.CompressionLz4, item.Compression);
        Assert.Equal(4096, item.RawLength);
        Assert.True(item.BlockLength < 200);
        Assert.Equal(item.BlockLength, batch.DataMemory.Length);
    }

    [Fact]
    public void IncompressibleBlockAboveThresholdIsStoredRaw()
    {
        var batch = new LogBatch();
        byte[] entry = new byte[4096];
        new Random(5).NextBytes(entry);
        batch.AddEntries(1, 1, new ReadOnlyMemory<byte>[] { entry });
        batch.Finish(compressionThreshold: 1024);
        var reader = new BatchItemReader(batch.Items, LogFileFormat.Version);
        BatchItem item = default;
        Assert.True(reader.TryRead(ref item, out _));
        Assert.Equal(BatchFormat.CompressionNone, item.Compression);
        Assert.Equal(4096 + BatchFormat.BlockTrailerSize, batch.DataMemory.Length);
        Assert.True(batch.DataMemory.Span[..4096].SequenceEqual(entry));
    }
}
