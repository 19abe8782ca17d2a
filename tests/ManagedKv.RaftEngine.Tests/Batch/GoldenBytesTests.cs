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
            "727B8BBB" + "2F000000" + "18000000" + "01000000"   // header: checksum, total 47, items 24, file tag 1
            + "010705020003070201"                              // Entries: region 7, first 5, count 2, none, raw 3, block 7, lengths 2 1
            + "0207016B0176"                                    // PutState: region 7, "k" = "v"
            + "03070178"                                        // DeleteState: region 7, "x"
            + "040703"                                          // Compact: region 7 to 3
            + "0509"                                            // Clean: region 9
            + "616263" + "50392F89";                            // block "abc" + xxh3-low32(seed 0)
        Assert.Equal(expected, Convert.ToHexString(encoded));
    }

    [Fact]
    public void FileHeaderIsPinned()
    {
        byte[] header = new byte[LogFileFormat.HeaderSize];
        LogFileFormat.WriteHeader(header, seq: 5, prevSeq: 4, prevLength: 0x1234);
        Assert.Equal(
            "4D4B56524146544C" + "02000000" + "00000000"     // magic, version 2, reserved
            + "0500000000000000"                                // file sequence 5
            + "0400000000000000" + "3412000000000000"           // previous file 4 holds 0x1234 bytes of data
            + "2B9A075B" + "00000000",                          // xxh3-low32(seed 0) of [0, 40), reserved
            Convert.ToHexString(header));
        Assert.Null(LogFileFormat.CheckHeader(header, 5, out LogFileHeader parsed));
        Assert.Equal(new LogFileHeader(2, LogFileFormat.HeaderSize, 5, 4, 0x1234), parsed);
        Assert.NotNull(LogFileFormat.CheckHeader(header, 6, out _));
        Assert.Equal("0000000000000042.raftlog", LogFileFormat.FileName(42));
        Assert.Equal("0000000000000042.raftrecycle", LogFileFormat.RecycleFileName(42));
    }

    [Fact]
    public void VersionOneFileHeaderIsStillRead()
    {
        byte[] header = Convert.FromHexString("4D4B56524146544C" + "01000000" + "3DDA38BE");
        Assert.Null(LogFileFormat.CheckHeader(header, 9, out LogFileHeader parsed));
        Assert.Equal(new LogFileHeader(1, LogFileFormat.HeaderSizeV1, 9, 0, 0), parsed);
        header[8] = 3;
        Assert.Contains("unsupported format version 3", LogFileFormat.CheckHeader(header, 9, out _));
    }

    [Fact]
    public void CompressedBlockIsMarkedAndChecksummedOverStoredBytes()
    {
        var batch = new LogBatch();
        byte[] entry = new byte[4096];
        batch.AddEntries(1, 1, new ReadOnlyMemory<byte>[] { entry });
        batch.Finish(compressionThreshold: 1024);
        var reader = new BatchItemReader(batch.Items);
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
        var reader = new BatchItemReader(batch.Items);
        BatchItem item = default;
        Assert.True(reader.TryRead(ref item, out _));
        Assert.Equal(BatchFormat.CompressionNone, item.Compression);
        Assert.Equal(4096 + BatchFormat.BlockTrailerSize, batch.DataMemory.Length);
        Assert.True(batch.DataMemory.Span[..4096].SequenceEqual(entry));
    }
}
