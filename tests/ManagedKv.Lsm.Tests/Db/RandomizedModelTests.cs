using System.Text;
using Xunit.Abstractions;

namespace ManagedKv.Lsm.Tests.Db;

/// <summary>
/// Seeded random operations over three column families checked against a SortedDictionary model: puts, deletes, range deletions,
/// multi-CF batches, gets, bounded iterators both ways, snapshots held across flushes and compactions, manual
/// compactions and reopens, with tiny write buffers so flush and compaction run constantly.
/// MANAGEDKV_SOAK=1 multiplies the operation count by 20.
/// </summary>
public sealed class RandomizedModelTests
{
    private readonly ITestOutputHelper _output;

    public RandomizedModelTests(ITestOutputHelper output) => _output = output;

    private static readonly string[] s_cfNames = [ColumnFamilyNames.Default, "write", "lock"];

    private sealed class Model
    {
        public readonly SortedDictionary<byte[], byte[]>[] Cfs =
            [new(ByteArrayComparer.Instance), new(ByteArrayComparer.Instance), new(ByteArrayComparer.Instance)];

        public Model Clone()
        {
            var m = new Model();
            for (int i = 0; i < Cfs.Length; i++)
            {
                foreach (KeyValuePair<byte[], byte[]> kv in Cfs[i])
                {
                    m.Cfs[i][kv.Key] = kv.Value;
                }
            }
            return m;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void MatchesModel(int seedIndex)
    {
        int seed = Environment.GetEnvironmentVariable("MANAGEDKV_SEED") is { } s ? int.Parse(s) : 7919 * seedIndex + Environment.TickCount % 1000;
        int ops = 70_000 * (Environment.GetEnvironmentVariable("MANAGEDKV_SOAK") == "1" ? 20 : 1);
        _output.WriteLine($"seed {seed}, {ops} operations (rerun with MANAGEDKV_SEED={seed})");
        try
        {
            Run(seed, ops);
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"Model test failed with seed {seed}: {e}");
        }
    }

    private static DbOptions Options(bool create)
    {
        DbOptions o = TestOptions.Small(create);
        o.ColumnFamilies["write"] = TestOptions.Tune(new ColumnFamilyOptions());
        o.ColumnFamilies["lock"] = TestOptions.Tune(new ColumnFamilyOptions { CompressionPerLevel = [CompressionType.Lz4] });
        return o;
    }

    private static void Run(int seed, int ops)
    {
        var rnd = new Random(seed);
        using var dir = new TempDir();
        var model = new Model();
        LsmDb db = LsmDb.Open(dir.Path, Options(create: true));
        var snapshots = new List<(Snapshot Snap, Model Model)>();
        try
        {
            ColumnFamily[] cfs = ResolveCfs(db);
            int keySpace = 3000;
            for (int op = 0; op < ops; op++)
            {
                int dice = rnd.Next(1000);
                int cfIndex = rnd.Next(3);
                if (dice < 450)
                {
                    byte[] key = Key(rnd, keySpace);
                    byte[] value = Value(rnd);
                    db.Put(cfs[cfIndex], key, value);
                    model.Cfs[cfIndex][key] = value;
                }
                else if (dice < 550)
                {
                    byte[] key = Key(rnd, keySpace);
                    db.Delete(cfs[cfIndex], key);
                    model.Cfs[cfIndex].Remove(key);
                }
                else if (dice < 560)
                {
                    byte[] a = Key(rnd, keySpace);
                    byte[] b = Key(rnd, keySpace);
                    if (a.AsSpan().SequenceCompareTo(b) > 0)
                    {
                        (a, b) = (b, a);
                    }
                    if (rnd.Next(4) == 0)
                    {
                        var batch = new WriteBatch();
                        batch.DeleteRange(cfs[cfIndex], a, b);
                        db.Write(batch);
                    }
                    else
                    {
                        db.DeleteRange(cfs[cfIndex], a, b);
                    }
                    var doomed = new List<byte[]>();
                    foreach (byte[] k in model.Cfs[cfIndex].Keys)
                    {
                        if (k.AsSpan().SequenceCompareTo(a) >= 0 && k.AsSpan().SequenceCompareTo(b) < 0)
                        {
                            doomed.Add(k);
                        }
                    }
                    foreach (byte[] k in doomed)
                    {
                        model.Cfs[cfIndex].Remove(k);
                    }
                }
                else if (dice < 600)
                {
                    var batch = new WriteBatch();
                    var pending = new List<(int Cf, byte[] Key, byte[]? Value)>();
                    int n = rnd.Next(1, 12);
                    for (int i = 0; i < n; i++)
                    {
                        int c = rnd.Next(3);
                        byte[] key = Key(rnd, keySpace);
                        if (rnd.Next(4) == 0)
                        {
                            batch.Delete(cfs[c], key);
                            pending.Add((c, key, null));
                        }
                        else
                        {
                            byte[] value = Value(rnd);
                            batch.Put(cfs[c], key, value);
                            pending.Add((c, key, value));
                        }
                    }
                    db.Write(batch);
                    foreach ((int c, byte[] key, byte[]? value) in pending)
                    {
                        if (value is null)
                        {
                            model.Cfs[c].Remove(key);
                        }
                        else
                        {
                            model.Cfs[c][key] = value;
                        }
                    }
                }
                else if (dice < 850)
                {
                    // Get, sometimes through a snapshot.
                    byte[] key = Key(rnd, keySpace);
                    Model m = model;
                    ReadOptions? ro = null;
                    if (snapshots.Count > 0 && rnd.Next(3) == 0)
                    {
                        (Snapshot snap, Model sm) = snapshots[rnd.Next(snapshots.Count)];
                        m = sm;
                        ro = new ReadOptions { Snapshot = snap };
                    }
                    byte[]? actual = db.Get(cfs[cfIndex], key, ro);
                    m.Cfs[cfIndex].TryGetValue(key, out byte[]? expected);
                    if (!actual.AsSpan().SequenceEqual(expected) || (actual is null) != (expected is null))
                    {
                        throw new InvalidOperationException($"op {op}: Get({Encoding.UTF8.GetString(key)}) in {s_cfNames[cfIndex]} = {Show(actual)}, model {Show(expected)}");
                    }
                }
                else if (dice < 900)
                {
                    Model m = model;
                    ReadOptions ro = new();
                    if (snapshots.Count > 0 && rnd.Next(3) == 0)
                    {
                        (Snapshot snap, Model sm) = snapshots[rnd.Next(snapshots.Count)];
                        m = sm;
                        ro.Snapshot = snap;
                    }
                    CheckIterator(db, cfs[cfIndex], m.Cfs[cfIndex], ro, rnd, keySpace, op);
                }
                else if (dice < 930)
                {
                    if (snapshots.Count < 4)
                    {
                        snapshots.Add((db.GetSnapshot(), model.Clone()));
                    }
                    else
                    {
                        int i = rnd.Next(snapshots.Count);
                        snapshots[i].Snap.Dispose();
                        snapshots.RemoveAt(i);
                    }
                }
                else if (dice < 950)
                {
                    db.Flush(cfs[cfIndex], wait: rnd.Next(2) == 0);
                }
                else if (dice < 953 && rnd.Next(2) == 0)
                {
                    byte[]? begin = rnd.Next(2) == 0 ? null : Key(rnd, keySpace);
                    byte[]? end = rnd.Next(2) == 0 ? null : Key(rnd, keySpace);
                    db.CompactRange(cfs[cfIndex], begin, end);
                }
                else if (dice < 954 && rnd.Next(2) == 0)
                {
                    foreach ((Snapshot snap, _) in snapshots)
                    {
                        snap.Dispose();
                    }
                    snapshots.Clear();
                    db.Dispose();
                    db = LsmDb.Open(dir.Path, Options(create: false));
                    cfs = ResolveCfs(db);
                }
            }
            // Final full comparison of every CF, after a reopen.
            foreach ((Snapshot snap, _) in snapshots)
            {
                snap.Dispose();
            }
            snapshots.Clear();
            db.Dispose();
            db = LsmDb.Open(dir.Path, Options(create: false));
            cfs = ResolveCfs(db);
            for (int c = 0; c < 3; c++)
            {
                using LsmIterator it = db.NewIterator(cfs[c]);
                var expected = model.Cfs[c].GetEnumerator();
                for (it.SeekToFirst(); it.Valid; it.Next())
                {
                    if (!expected.MoveNext() || !it.Key.SequenceEqual(expected.Current.Key) || !it.Value.SequenceEqual(expected.Current.Value))
                    {
                        throw new InvalidOperationException($"final scan of {s_cfNames[c]} differs at {Encoding.UTF8.GetString(it.Key)}");
                    }
                }
                if (expected.MoveNext())
                {
                    throw new InvalidOperationException($"final scan of {s_cfNames[c]} ends before {Encoding.UTF8.GetString(expected.Current.Key)}");
                }
            }
        }
        finally
        {
            foreach ((Snapshot snap, _) in snapshots)
            {
                snap.Dispose();
            }
            db.Dispose();
        }
    }

    private static ColumnFamily[] ResolveCfs(LsmDb db) =>
        [db.DefaultColumnFamily, db.GetColumnFamily("write")!, db.GetColumnFamily("lock")!];

    private static void CheckIterator(LsmDb db, ColumnFamily cf, SortedDictionary<byte[], byte[]> model, ReadOptions ro, Random rnd, int keySpace, int op)
    {
        if (rnd.Next(2) == 0)
        {
            ro.LowerBound = Key(rnd, keySpace);
        }
        if (rnd.Next(2) == 0)
        {
            ro.UpperBound = Key(rnd, keySpace);
        }
        var keys = new List<byte[]>();
        foreach (byte[] k in model.Keys)
        {
            if ((ro.LowerBound is null || k.AsSpan().SequenceCompareTo(ro.LowerBound) >= 0)
                && (ro.UpperBound is null || k.AsSpan().SequenceCompareTo(ro.UpperBound) < 0))
            {
                keys.Add(k);
            }
        }
        using LsmIterator it = db.NewIterator(cf, ro);
        byte[] target = Key(rnd, keySpace);
        int pos;
        int mode = rnd.Next(4);
        switch (mode)
        {
            case 0:
                it.SeekToFirst();
                pos = 0;
                break;
            case 1:
                it.SeekToLast();
                pos = keys.Count - 1;
                break;
            case 2:
                it.Seek(target);
                pos = LowerBoundIndex(keys, target, ro.LowerBound);
                break;
            default:
                it.SeekForPrev(target);
                pos = UpperBoundIndex(keys, target, ro.UpperBound) - 1;
                break;
        }
        int steps = rnd.Next(1, 40);
        for (int s = 0; s < steps; s++)
        {
            bool expectValid = pos >= 0 && pos < keys.Count;
            if (it.Valid != expectValid)
            {
                throw new InvalidOperationException($"op {op}: iterator mode {mode} step {s}: Valid={it.Valid}, model expects {expectValid} (pos {pos} of {keys.Count})");
            }
            if (!expectValid)
            {
                break;
            }
            if (!it.Key.SequenceEqual(keys[pos]) || !it.Value.SequenceEqual(model[keys[pos]]))
            {
                throw new InvalidOperationException($"op {op}: iterator mode {mode} step {s}: at {Encoding.UTF8.GetString(it.Key)}, model {Encoding.UTF8.GetString(keys[pos])}");
            }
            if (rnd.Next(3) == 0)
            {
                it.Prev();
                pos--;
            }
            else
            {
                it.Next();
                pos++;
            }
        }
    }

    private static int LowerBoundIndex(List<byte[]> keys, byte[] target, byte[]? lower)
    {
        if (lower is not null && target.AsSpan().SequenceCompareTo(lower) < 0)
        {
            target = lower;
        }
        int i = 0;
        while (i < keys.Count && keys[i].AsSpan().SequenceCompareTo(target) < 0)
        {
            i++;
        }
        return i;
    }

    private static int UpperBoundIndex(List<byte[]> keys, byte[] target, byte[]? upper)
    {
        int i = 0;
        while (i < keys.Count && keys[i].AsSpan().SequenceCompareTo(target) <= 0 && (upper is null || keys[i].AsSpan().SequenceCompareTo(upper) < 0))
        {
            i++;
        }
        return i;
    }

    private static byte[] Key(Random rnd, int keySpace) => Encoding.UTF8.GetBytes($"key{rnd.Next(keySpace):D5}");

    private static byte[] Value(Random rnd)
    {
        var v = new byte[rnd.Next(0, 300)];
        rnd.NextBytes(v);
        return v;
    }

    private static string Show(byte[]? v) => v is null ? "null" : $"{v.Length} bytes";
}
