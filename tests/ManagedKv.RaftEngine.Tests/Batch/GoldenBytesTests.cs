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
            "585095AA" + "2F000000" + "18000000" + "00000000"   // header: checksum, total 47, items 24, flags 0
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
        LogFileFormat.WriteHeader(header);
        Assert.Equal("4D4B56524146544C" + "01000000" + "3DDA38BE", Convert.ToHexString(header));
        Assert.Equal("0000000000000042.raftlog", LogFileFormat.FileName(42));
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
