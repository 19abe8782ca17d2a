using ManagedKv.Lsm.Wal;
using static ManagedKv.Lsm.Tests.Wal.WalTestDirectory;

namespace ManagedKv.Lsm.Tests.Wal;

/// <summary>
/// Flips one random byte of a log and checks that no mode ever returns a record that was not written:
/// AbsoluteConsistency and TolerateCorruptedTailRecords return a prefix or throw, PointInTimeRecovery returns a
/// prefix, SkipAnyCorruptedRecords returns a subsequence.
/// </summary>
public sealed class WalCorruptionFuzzTests : IDisposable
{
    private readonly WalTestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void RandomByteFlipsNeverYieldWrongRecords()
    {
        int iterations = Environment.GetEnvironmentVariable("MANAGEDKV_SOAK") == "1" ? 5000 : 150;
        int seed = Environment.TickCount;
        var random = new Random(seed);
        string path = _dir.File();
        for (int iteration = 0; iteration < iterations; iteration++)
        {
            var records = new List<byte[]>();
            int count = random.Next(1, 30);
            for (int i = 0; i < count; i++)
            {
                var record = new byte[random.Next(4) == 0 ? random.Next(WalFormat.BlockSize * 2) : random.Next(300)];
                random.NextBytes(record);
                records.Add(record);
            }
            Write(path, records, mapped: random.Next(2) == 0);
            byte[] bytes = File.ReadAllBytes(path);
            if (bytes.Length == 0)
            {
                continue;
            }
            int at = random.Next(bytes.Length);
            bytes[at] ^= (byte)random.Next(1, 256);
            if (random.Next(4) == 0)
            {
                Array.Resize(ref bytes, bytes.Length + random.Next(1, 3 * WalFormat.BlockSize)); // zero preallocation
            }
            File.WriteAllBytes(path, bytes);
            string context = $"seed {seed}, iteration {iteration}, flipped byte {at} of {bytes.Length}";

            foreach (WalRecoveryMode mode in Enum.GetValues<WalRecoveryMode>())
            {
                List<byte[]> read;
                try
                {
                    read = ReadAll(path, mode).Records;
                }
                catch (CorruptionException e)
                {
                    Assert.True(mode is WalRecoveryMode.AbsoluteConsistency or WalRecoveryMode.TolerateCorruptedTailRecords, $"{context}: {mode} threw {e.Message}");
                    Assert.Equal(path, e.FilePath);
                    Assert.InRange(e.Offset, 0, at);
                    continue;
                }
                if (mode == WalRecoveryMode.SkipAnyCorruptedRecords)
                {
                    int next = 0;
                    foreach (byte[] record in read)
                    {
                        while (next < records.Count && !records[next].AsSpan().SequenceEqual(record))
                        {
                            next++;
                        }
                        Assert.True(next < records.Count, $"{context}: {mode} returned a record that was not written");
                        next++;
                    }
                }
                else
                {
                    Assert.True(read.Count <= records.Count, context);
                    for (int i = 0; i < read.Count; i++)
                    {
                        Assert.True(records[i].AsSpan().SequenceEqual(read[i]), $"{context}: {mode} record {i} differs");
                    }
                }
                if (mode == WalRecoveryMode.AbsoluteConsistency)
                {
                    Assert.Equal(records.Count, read.Count); // the flip hit a block trailer
                }
            }
        }
    }
}
