using ManagedKv.Lsm.Wal;
using static ManagedKv.Lsm.Tests.Wal.WalTestDirectory;

namespace ManagedKv.Lsm.Tests.Wal;

public sealed class WalRoundTripTests : IDisposable
{
    private const int Block = WalFormat.BlockSize;
    private const int Header = WalFormat.HeaderSize;
    private readonly WalTestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<bool> Modes => new() { false, true };

    [Fact]
    public void LogClosedKeepingPreallocationReadsBackFully()
    {
        string path = _dir.File();
        var records = new List<byte[]>();
        var random = new Random(4);
        WalWriter writer = WalWriter.Create(path, 1, WalTestDirectory.Options(true, Block, 4 * Block));
        for (int i = 0; i < 60; i++)
        {
            var record = new byte[random.Next(3000)];
            random.NextBytes(record);
            records.Add(record);
            writer.AddRecord(record);
        }
        writer.CloseKeepingPreallocation();
        Assert.True(new FileInfo(path).Length > writer.Size, "the zero tail stays");
        Assert.Throws<ObjectDisposedException>(() => writer.AddRecord([1]));
        writer.Dispose(); // already closed: no truncation now either
        Assert.True(new FileInfo(path).Length > writer.Size);
        foreach (WalRecoveryMode mode in Enum.GetValues<WalRecoveryMode>())
        {
            var (read, _, dropped, firstDrop) = ReadAll(path, mode);
            Assert.Equal(records.Count, read.Count);
            for (int i = 0; i < records.Count; i++)
            {
                Assert.Equal(records[i], read[i]);
            }
            Assert.Equal(0, dropped);
            Assert.Equal(-1, firstDrop);
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void EmptyLogHasNoRecords(bool mapped)
    {
        string path = _dir.File();
        Write(path, [], mapped);
        Assert.Equal(0, new FileInfo(path).Length);
        Assert.Empty(ReadAll(path, WalRecoveryMode.AbsoluteConsistency).Records);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void RecordsAtBlockBoundariesRoundTrip(bool mapped)
    {
        int[] sizes =
        [
            0, 1, 0, Block - Header, 0, Block - 2 * Header, 0, Block - 2 * Header + 4, Block - Header - 1,
            Block - Header + 1, Block, Block + 1, 3 * Block + 5, 100_000, 1, 0, 7, 6, 5,
        ];
        RoundTrip(sizes, WalTestDirectory.Options(mapped));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void RandomRecordSizesRoundTrip(bool mapped)
    {
        int seed = Environment.TickCount;
        var random = new Random(seed);
        var sizes = new int[600];
        for (int i = 0; i < sizes.Length; i++)
        {
            sizes[i] = random.Next(8) switch
            {
                0 => 0,
                1 => random.Next(Block - 20, Block + 20),
                2 => random.Next(3 * Block),
                _ => random.Next(200),
            };
        }
        try
        {
            RoundTrip(sizes, WalTestDirectory.Options(mapped));
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"seed {seed}: {e}");
        }
    }

    [Fact]
    public void MappedWriterGrowsAcrossSmallChunks()
    {
        // 32 KiB first chunk doubling to 64 KiB: records and their fragments cross many mappings.
        var sizes = new int[300];
        var random = new Random(42);
        for (int i = 0; i < sizes.Length; i++)
        {
            sizes[i] = random.Next(2) == 0 ? random.Next(100) : random.Next(2 * Block);
        }
        RoundTrip(sizes, WalTestDirectory.Options(true, Block, 2 * Block));
    }

    [Fact]
    public void BothModesWriteIdenticalBytes()
    {
        var records = new List<byte[]>();
        var random = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            var record = new byte[random.Next(2) == 0 ? random.Next(50) : random.Next(3 * Block)];
            random.NextBytes(record);
            records.Add(record);
        }
        Write(_dir.File("a.log"), records, mapped: false);
        Write(_dir.File("b.log"), records, mapped: true);
        Assert.Equal(File.ReadAllBytes(_dir.File("a.log")), File.ReadAllBytes(_dir.File("b.log")));
    }

    [Fact]
    public void MappedLogNeverDisposedReadsBackFully()
    {
        // A process killed after AddRecord returned leaves the preallocated file with a zero tail; the page cache
        // still holds every record. Reading the file while the writer is open (never disposed) sees exactly that.
        string path = _dir.File();
        var records = new List<byte[]>();
        var random = new Random(3);
        WalWriter writer = WalWriter.Create(path, 1, WalTestDirectory.Options(true, Block, 4 * Block));
        for (int i = 0; i < 100; i++)
        {
            var record = new byte[random.Next(3000)];
            random.NextBytes(record);
            records.Add(record);
            writer.AddRecord(record);
        }
        Assert.True(new FileInfo(path).Length > writer.Size, "the file is preallocated beyond the logical size");
        string copy = _dir.File("copy.log");
        File.Copy(path, copy);
        foreach (WalRecoveryMode mode in Enum.GetValues<WalRecoveryMode>())
        {
            var (read, _, dropped, firstDrop) = ReadAll(copy, mode);
            Assert.Equal(records.Count, read.Count);
            for (int i = 0; i < records.Count; i++)
            {
                Assert.Equal(records[i], read[i]);
            }
            Assert.Equal(0, dropped);
            Assert.Equal(-1, firstDrop);
        }
        // Reading the live file (not a copy) works too.
        Assert.Equal(records.Count, ReadAll(path, WalRecoveryMode.AbsoluteConsistency).Records.Count);
        writer.Dispose();
        Assert.Equal(writer.Size, new FileInfo(path).Length);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void SyncAndSizeTrackTheLog(bool mapped)
    {
        string path = _dir.File();
        using (WalWriter writer = WalWriter.Create(path, 9, WalTestDirectory.Options(mapped)))
        {
            Assert.Equal(9UL, writer.LogNumber);
            writer.AddRecord(Text("hello"));
            writer.Sync();
            Assert.Equal(Header + 5, writer.Size);
            writer.AddRecord(new byte[Block]);
            writer.Sync();
            Assert.Equal(Header + 5 + Block + 2 * Header, writer.Size);
        }
        Assert.Equal(Header + 5 + Block + 2 * Header, new FileInfo(path).Length);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void DisposedWriterRefusesRecords(bool mapped)
    {
        WalWriter writer = WalWriter.Create(_dir.File(), 1, WalTestDirectory.Options(mapped));
        writer.Dispose();
        writer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => writer.AddRecord(Text("x")));
        Assert.Throws<ObjectDisposedException>(() => writer.Sync());
    }

    [Fact]
    public void InvalidPreallocationOptionsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => WalWriter.Create(_dir.File(), 1, WalTestDirectory.Options(true, 1000, 1L << 20)));
        Assert.Throws<ArgumentException>(() => WalWriter.Create(_dir.File(), 1, WalTestDirectory.Options(true, 2 * Block, Block)));
    }

    private void RoundTrip(int[] sizes, WalWriterOptions options)
    {
        string path = _dir.File();
        var records = new List<byte[]>();
        var offsets = new List<long>();
        var random = new Random(sizes.Length);
        using (WalWriter writer = WalWriter.Create(path, 1, options))
        {
            foreach (int size in sizes)
            {
                var record = new byte[size];
                random.NextBytes(record);
                records.Add(record);
                offsets.Add(writer.Size);
                writer.AddRecord(record);
            }
            Assert.True(writer.Size <= sizes.Sum(s => WalFormat.MaxPhysicalLength(s)));
        }
        var (read, readOffsets, dropped, _) = ReadAll(path, WalRecoveryMode.AbsoluteConsistency);
        Assert.Equal(records.Count, read.Count);
        for (int i = 0; i < records.Count; i++)
        {
            Assert.True(records[i].AsSpan().SequenceEqual(read[i]), $"record {i} ({records[i].Length} bytes) differs");
            // A record starting in a block trailer starts at the next block.
            long expected = offsets[i];
            if (Block - expected % Block < Header)
            {
                expected += Block - expected % Block;
            }
            Assert.Equal(expected, readOffsets[i]);
        }
        Assert.Equal(0, dropped);
    }
}
