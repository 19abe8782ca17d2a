using System.Text;
using Xunit.Abstractions;

namespace ManagedKv.Lsm.Tests.Db;

/// <summary>
/// Long scans against a SortedDictionary model: full scans both ways and runs of hundreds of Next or Prev steps that
/// turn around at random, over a DB spread across the memtable, L0 and compressed levels of many small files (so runs
/// cross block and file boundaries and turn around on them), with a cache far smaller than the data (so block reads
/// miss and sequential runs read ahead), overwrites, point and range deletions, bounds and snapshots.
/// Seeds are printed; MANAGEDKV_SOAK=1 runs 10 times as many rounds.
/// </summary>
public sealed class ScanModelTests
{
    private readonly ITestOutputHelper _output;

    public ScanModelTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void LongScansMatchModel(int seedIndex)
    {
        int seed = Environment.GetEnvironmentVariable("MANAGEDKV_SEED") is { } s ? int.Parse(s) : 4099 * seedIndex + Environment.TickCount % 1000;
        int rounds = Environment.GetEnvironmentVariable("MANAGEDKV_SOAK") == "1" ? 60 : 6;
        _output.WriteLine($"seed {seed}, {rounds} rounds (rerun with MANAGEDKV_SEED={seed})");
        try
        {
            Run(seed, rounds);
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"Scan model test failed with seed {seed}: {e}");
        }
    }

    private static void Run(int seed, int rounds)
    {
        var rnd = new Random(seed);
        using var dir = new TempDir();
        DbOptions o = TestOptions.Small();
        o.BlockCache = new BlockCache(16 << 10);
        using LsmDb db = LsmDb.Open(dir.Path, o);
        var model = new SortedDictionary<byte[], byte[]>(ByteArrayComparer.Instance);
        const int keySpace = 4000;
        for (int round = 0; round < rounds; round++)
        {
            int writes = rnd.Next(500, 3000);
            for (int i = 0; i < writes; i++)
            {
                byte[] key = Key(rnd.Next(keySpace));
                int dice = rnd.Next(100);
                if (dice < 85)
                {
                    byte[] value = new byte[rnd.Next(0, 120)];
                    rnd.NextBytes(value.AsSpan(0, value.Length / 2)); // half random, half zeros: compressible
                    db.Put(key, value);
                    model[key] = value;
                }
                else if (dice < 98)
                {
                    db.Delete(key);
                    model.Remove(key);
                }
                else
                {
                    int a = rnd.Next(keySpace);
                    byte[] begin = Key(a);
                    byte[] end = Key(Math.Min(keySpace, a + rnd.Next(1, 80)));
                    db.DeleteRange(begin, end);
                    foreach (byte[] k in model.Keys.Where(k => k.AsSpan().SequenceCompareTo(begin) >= 0 && k.AsSpan().SequenceCompareTo(end) < 0).ToList())
                    {
                        model.Remove(k);
                    }
                }
            }
            if (rnd.Next(3) == 0)
            {
                db.Flush();
            }
            using Snapshot snapshot = db.GetSnapshot();
            List<KeyValuePair<byte[], byte[]>> atSnapshot = [.. model];
            // Writes after the snapshot must stay invisible to iterators reading at it.
            var later = new List<byte[]>();
            for (int i = 0; i < 200; i++)
            {
                byte[] key = Key(rnd.Next(keySpace));
                db.Put(key, "later"u8);
                later.Add(key);
            }
            for (int scan = 0; scan < 4; scan++)
            {
                var ro = new ReadOptions { Snapshot = snapshot };
                if (rnd.Next(2) == 0)
                {
                    ro.LowerBound = Key(rnd.Next(keySpace));
                }
                if (rnd.Next(2) == 0)
                {
                    ro.UpperBound = Key(rnd.Next(keySpace));
                }
                Walk(db, ro, atSnapshot, rnd, $"round {round} scan {scan}");
            }
            foreach (byte[] key in later)
            {
                model[key] = "later"u8.ToArray();
            }
        }
    }

    private static void Walk(LsmDb db, ReadOptions ro, List<KeyValuePair<byte[], byte[]>> all, Random rnd, string where)
    {
        List<KeyValuePair<byte[], byte[]>> keys = all.Where(kv =>
            (ro.LowerBound is null || kv.Key.AsSpan().SequenceCompareTo(ro.LowerBound) >= 0) &&
            (ro.UpperBound is null || kv.Key.AsSpan().SequenceCompareTo(ro.UpperBound) < 0)).ToList();
        using LsmIterator it = db.NewIterator(ro);

        int n = 0;
        for (it.SeekToFirst(); it.Valid; it.Next(), n++)
        {
            Check(it, keys, n, $"{where}: forward scan");
        }
        Assert.True(n == keys.Count, $"{where}: forward scan saw {n} of {keys.Count} keys");
        for (it.SeekToLast(); it.Valid; it.Prev())
        {
            n--;
            Check(it, keys, n, $"{where}: backward scan");
        }
        Assert.True(n == 0, $"{where}: backward scan stopped {n} keys early");

        // Runs of steps in one direction, turning around at random (and at the ends).
        int pos = rnd.Next(Math.Max(1, keys.Count));
        if (keys.Count > 0)
        {
            it.Seek(keys[pos].Key);
        }
        else
        {
            it.SeekToFirst();
        }
        bool forward = true;
        for (int run = 0; run < 12; run++)
        {
            int length = rnd.Next(1, 400);
            for (int step = 0; step < length; step++)
            {
                if (pos < 0 || pos >= keys.Count)
                {
                    Assert.False(it.Valid, $"{where}: expected the end at {pos}");
                    pos = pos < 0 ? 0 : keys.Count - 1;
                    if (keys.Count == 0)
                    {
                        return;
                    }
                    if (pos == 0)
                    {
                        it.SeekToFirst();
                    }
                    else
                    {
                        it.SeekToLast();
                    }
                    forward = pos == 0;
                }
                Check(it, keys, pos, $"{where}: run {run} step {step} ({(forward ? "forward" : "backward")})");
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
            forward = !forward;
        }
    }

    private static void Check(LsmIterator it, List<KeyValuePair<byte[], byte[]>> keys, int pos, string where)
    {
        Assert.True(it.Valid, $"{where}: expected {Encoding.UTF8.GetString(keys[pos].Key)}, iterator is not valid");
        Assert.True(it.Key.SequenceEqual(keys[pos].Key), $"{where}: at {Encoding.UTF8.GetString(it.Key)}, model {Encoding.UTF8.GetString(keys[pos].Key)}");
        Assert.True(it.Value.SequenceEqual(keys[pos].Value), $"{where}: value of {Encoding.UTF8.GetString(keys[pos].Key)} differs");
    }

    private static byte[] Key(int n) => Encoding.UTF8.GetBytes($"key{n:D5}");
}
