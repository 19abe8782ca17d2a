using System.Text;
using ManagedKv.Lsm.Tests.Db;
using Xunit.Abstractions;

namespace ManagedKv.Lsm.Tests.Ingest;

/// <summary>
/// Seeded random puts, deletes, ingests of several external files (puts and deletes, copied or moved), gets and
/// iterators in both directions through snapshots, flushes, manual and automatic compactions and reopens, checked
/// against a SortedDictionary model. MANAGEDKV_SOAK=1 multiplies the operation count by 20.
/// </summary>
public sealed class IngestModelTests
{
    private readonly ITestOutputHelper _output;

    public IngestModelTests(ITestOutputHelper output) => _output = output;

    private const int KeySpace = 2000;

    private static byte[] Key(int i) => Encoding.UTF8.GetBytes($"k{i:D5}");

    private static DbOptions Options(bool create)
    {
        DbOptions o = TestOptions.Small(create);
        o.DefaultColumnFamilyOptions.CompactionFilterFactory = new ExpiredFilterFactory();
        return o;
    }

    // Values starting with "expired" are logically deleted when written (the model removes the key); reads treat them
    // as absent, and compactions remove them through the compaction filter. If a removal let an older version of the
    // key show through, reads would see a value the model does not have.
    private static readonly byte[] s_expired = Encoding.UTF8.GetBytes("expired");

    private static bool IsExpired(ReadOnlySpan<byte> value) => value.StartsWith(s_expired);

    private sealed class ExpiredFilterFactory : ICompactionFilterFactory
    {
        public string Name => "expired-filter";

        public ICompactionFilter? CreateCompactionFilter(CompactionFilterContext context) => new ExpiredFilter();
    }

    private sealed class ExpiredFilter : ICompactionFilter
    {
        public string Name => "expired-filter";

        public CompactionFilterDecision Filter(int level, ReadOnlySpan<byte> key, ReadOnlySpan<byte> existingValue, System.Buffers.IBufferWriter<byte> newValue) =>
            IsExpired(existingValue) ? CompactionFilterDecision.Remove : CompactionFilterDecision.Keep;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void MatchesModel(int seedIndex)
    {
        int seed = Environment.GetEnvironmentVariable("MANAGEDKV_SEED") is { } s ? int.Parse(s) : 104_729 * seedIndex + Environment.TickCount % 1000;
        int ops = 4000 * (Environment.GetEnvironmentVariable("MANAGEDKV_SOAK") == "1" ? 20 : 1);
        _output.WriteLine($"seed {seed}, {ops} operations (rerun with MANAGEDKV_SEED={seed})");
        try
        {
            Run(seed, ops);
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"Ingest model test failed with seed {seed}: {e}");
        }
    }

    private static void Run(int seed, int ops)
    {
        var rnd = new Random(seed);
        using var dir = new TempDir();
        string dbPath = dir.Sub("db");
        var model = new SortedDictionary<byte[], byte[]>(ByteArrayComparer.Instance);
        var snapshots = new List<(Snapshot Snap, SortedDictionary<byte[], byte[]> Model)>();
        LsmDb db = LsmDb.Open(dbPath, Options(create: true));
        int fileId = 0;
        try
        {
            for (int op = 0; op < ops; op++)
            {
                int dice = rnd.Next(1000);
                if (dice < 400)
                {
                    byte[] key = Key(rnd.Next(KeySpace));
                    byte[] value = Encoding.UTF8.GetBytes($"put{op}");
                    db.Put(key, value);
                    model[key] = value;
                }
                else if (dice < 480)
                {
                    byte[] key = Key(rnd.Next(KeySpace));
                    db.Delete(key);
                    model.Remove(key);
                }
                else if (dice < 520)
                {
                    Ingest(db, dir, rnd, model, op, ref fileId);
                }
                else if (dice < 530)
                {
                    byte[] key = Key(rnd.Next(KeySpace));
                    db.Put(key, Encoding.UTF8.GetBytes($"expired{op}"));
                    model.Remove(key);
                }
                else if (dice < 540)
                {
                    int a = rnd.Next(KeySpace);
                    int b = Math.Min(KeySpace, a + rnd.Next(1, 200));
                    db.DeleteRange(Key(a), Key(b));
                    for (int k = a; k < b; k++)
                    {
                        model.Remove(Key(k));
                    }
                }
                else if (dice < 800)
                {
                    (ReadOptions ro, SortedDictionary<byte[], byte[]> m) = PickView(rnd, snapshots, model);
                    byte[] key = Key(rnd.Next(KeySpace));
                    byte[]? actual = db.Get(key, ro);
                    if (actual is not null && IsExpired(actual))
                    {
                        actual = null;
                    }
                    m.TryGetValue(key, out byte[]? expected);
                    if ((actual is null) != (expected is null) || !actual.AsSpan().SequenceEqual(expected))
                    {
                        throw new InvalidOperationException($"op {op}: Get({S(key)}) = {S(actual)}, model {S(expected)}");
                    }
                }
                else if (dice < 860)
                {
                    (ReadOptions ro, SortedDictionary<byte[], byte[]> m) = PickView(rnd, snapshots, model);
                    CheckIterator(db, ro, m, rnd, op);
                }
                else if (dice < 900)
                {
                    if (snapshots.Count < 4)
                    {
                        snapshots.Add((db.GetSnapshot(), new SortedDictionary<byte[], byte[]>(model, ByteArrayComparer.Instance)));
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
                    db.Flush(wait: rnd.Next(2) == 0);
                }
                else if (dice < 960)
                {
                    int a = rnd.Next(KeySpace);
                    db.CompactRange(rnd.Next(3) == 0 ? null : Key(a), rnd.Next(3) == 0 ? null : Key(a + rnd.Next(KeySpace / 2)));
                }
                else if (dice < 963)
                {
                    foreach ((Snapshot snap, _) in snapshots)
                    {
                        snap.Dispose();
                    }
                    snapshots.Clear();
                    db.Dispose();
                    db = LsmDb.Open(dbPath, Options(create: false));
                }
            }
            foreach ((Snapshot snap, _) in snapshots)
            {
                snap.Dispose();
            }
            snapshots.Clear();
            db.Dispose();
            db = LsmDb.Open(dbPath, Options(create: false));
            CheckIterator(db, new ReadOptions(), model, rnd, ops);
            db.CompactRange(null, null);
            CheckIterator(db, new ReadOptions(), model, rnd, ops + 1);
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

    /// <summary>One to three disjoint external files of random puts and deletes over random key ranges.</summary>
    private static void Ingest(LsmDb db, TempDir dir, Random rnd, SortedDictionary<byte[], byte[]> model, int op, ref int fileId)
    {
        int files = rnd.Next(1, 4);
        var cuts = new SortedSet<int>();
        while (cuts.Count < files * 2)
        {
            cuts.Add(rnd.Next(KeySpace + 200)); // some ranges beyond the keys written by puts
        }
        int[] bounds = cuts.ToArray();
        var paths = new List<string>();
        var pending = new List<(byte[] Key, byte[]? Value)>();
        for (int f = 0; f < files; f++)
        {
            int lo = bounds[2 * f];
            int hi = bounds[2 * f + 1];
            var keys = new SortedSet<int>();
            int n = rnd.Next(1, Math.Min(60, hi - lo + 1) + 1);
            while (keys.Count < n)
            {
                keys.Add(rnd.Next(lo, hi + 1));
            }
            string path = dir.Sub($"ext{fileId++}.sst");
            using (var w = new SstFileWriter(TestOptions.Tune(new ColumnFamilyOptions())))
            {
                w.Open(path);
                foreach (int k in keys)
                {
                    if (rnd.Next(5) == 0)
                    {
                        w.Delete(Key(k));
                        pending.Add((Key(k), null));
                    }
                    else
                    {
                        byte[] value = Encoding.UTF8.GetBytes($"ing{op}/{k}");
                        w.Put(Key(k), value);
                        pending.Add((Key(k), value));
                    }
                }
                w.Finish();
            }
            paths.Add(path);
        }
        if (rnd.Next(2) == 0)
        {
            paths.Reverse();
        }
        db.IngestExternalFiles(paths, new IngestOptions { MoveFiles = rnd.Next(2) == 0 });
        foreach ((byte[] key, byte[]? value) in pending)
        {
            if (value is null)
            {
                model.Remove(key);
            }
            else
            {
                model[key] = value;
            }
        }
    }

    private static (ReadOptions, SortedDictionary<byte[], byte[]>) PickView(Random rnd, List<(Snapshot Snap, SortedDictionary<byte[], byte[]> Model)> snapshots, SortedDictionary<byte[], byte[]> model)
    {
        if (snapshots.Count > 0 && rnd.Next(2) == 0)
        {
            (Snapshot snap, SortedDictionary<byte[], byte[]> m) = snapshots[rnd.Next(snapshots.Count)];
            return (new ReadOptions { Snapshot = snap }, m);
        }
        return (new ReadOptions(), model);
    }

    private static void CheckIterator(LsmDb db, ReadOptions ro, SortedDictionary<byte[], byte[]> model, Random rnd, int op)
    {
        var expected = model.ToList();
        using var it = new SkippingIterator(db.NewIterator(ro));
        int mode = rnd.Next(4);
        if (mode == 0)
        {
            int i = 0;
            for (it.SeekToFirst(); it.Valid; it.Next(), i++)
            {
                Expect(it, expected, i, op, "forward");
            }
            Assert(i == expected.Count, $"op {op}: forward scan saw {i} keys, model {expected.Count}");
        }
        else if (mode == 1)
        {
            int i = expected.Count - 1;
            for (it.SeekToLast(); it.Valid; it.Prev(), i--)
            {
                Expect(it, expected, i, op, "backward");
            }
            Assert(i == -1, $"op {op}: backward scan stopped at model index {i}");
        }
        else
        {
            byte[] target = Key(rnd.Next(KeySpace + 200));
            int first = expected.FindIndex(kv => kv.Key.AsSpan().SequenceCompareTo(target) >= 0);
            if (first < 0)
            {
                first = expected.Count;
            }
            if (mode == 2)
            {
                it.Seek(target);
                for (int i = first, steps = 0; steps < 30; steps++)
                {
                    if (i >= expected.Count)
                    {
                        Assert(!it.Valid, $"op {op}: Seek({S(target)}) valid past the model's end");
                        break;
                    }
                    Expect(it, expected, i, op, "seek");
                    // Change direction now and then.
                    if (rnd.Next(4) == 0 && i > 0)
                    {
                        it.Prev();
                        i--;
                    }
                    else
                    {
                        it.Next();
                        i++;
                    }
                }
            }
            else
            {
                it.SeekForPrev(target);
                int last = first < expected.Count && expected[first].Key.AsSpan().SequenceEqual(target) ? first : first - 1;
                for (int i = last, steps = 0; steps < 30; steps++)
                {
                    if (i < 0)
                    {
                        Assert(!it.Valid, $"op {op}: SeekForPrev({S(target)}) valid before the model's start");
                        break;
                    }
                    Expect(it, expected, i, op, "seek-for-prev");
                    if (rnd.Next(4) == 0 && i < expected.Count - 1)
                    {
                        it.Next();
                        i++;
                    }
                    else
                    {
                        it.Prev();
                        i--;
                    }
                }
            }
        }
    }

    /// <summary>An LsmIterator that steps over expired values in whichever direction it moves.</summary>
    private sealed class SkippingIterator : IDisposable
    {
        private readonly LsmIterator _it;

        public SkippingIterator(LsmIterator it) => _it = it;

        public bool Valid => _it.Valid;

        public ReadOnlySpan<byte> Key => _it.Key;

        public ReadOnlySpan<byte> Value => _it.Value;

        public void SeekToFirst() { _it.SeekToFirst(); Forward(); }

        public void SeekToLast() { _it.SeekToLast(); Backward(); }

        public void Seek(byte[] k) { _it.Seek(k); Forward(); }

        public void SeekForPrev(byte[] k) { _it.SeekForPrev(k); Backward(); }

        public void Next() { _it.Next(); Forward(); }

        public void Prev() { _it.Prev(); Backward(); }

        private void Forward()
        {
            while (_it.Valid && IsExpired(_it.Value))
            {
                _it.Next();
            }
        }

        private void Backward()
        {
            while (_it.Valid && IsExpired(_it.Value))
            {
                _it.Prev();
            }
        }

        public void Dispose() => _it.Dispose();
    }

    private static void Expect(SkippingIterator it, List<KeyValuePair<byte[], byte[]>> expected, int i, int op, string what)
    {
        Assert(it.Valid, $"op {op}: {what} iterator ended at model index {i} ({S(expected[i].Key)})");
        Assert(i >= 0 && i < expected.Count, $"op {op}: {what} iterator at {S(it.Key.ToArray())} beyond the model");
        Assert(it.Key.SequenceEqual(expected[i].Key) && it.Value.SequenceEqual(expected[i].Value),
            $"op {op}: {what} iterator at {S(it.Key.ToArray())}={S(it.Value.ToArray())}, model {S(expected[i].Key)}={S(expected[i].Value)}");
    }

    private static void Assert(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    private static string S(byte[]? b) => b is null ? "<null>" : Encoding.UTF8.GetString(b);
}
