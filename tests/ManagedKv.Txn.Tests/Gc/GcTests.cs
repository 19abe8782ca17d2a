using System.Buffers;
using System.Text;
using static ManagedKv.Txn.Tests.TxnTestContext;

namespace ManagedKv.Txn.Tests.Gc;

public sealed class GcTests
{
    private static List<(string Key, ulong CommitTs, WriteType Type)> Versions(IKvEngine engine)
    {
        var result = new List<(string, ulong, WriteType)>();
        using IKvSnapshot s = engine.GetSnapshot();
        using IKvCursor c = s.NewCursor(EngineCf.Write);
        for (c.SeekToFirst(); c.Valid; c.Next())
        {
            MvccKey.TrySplit(c.Key, out ReadOnlySpan<byte> k, out ulong ts);
            result.Add((Encoding.UTF8.GetString(MvccKey.DecodeUserKey(k)), ts, WriteRef.Parse(c.Value, c.Key).Type));
        }
        return result;
    }

    private static int CountDefault(IKvEngine engine)
    {
        using IKvSnapshot s = engine.GetSnapshot();
        using IKvCursor c = s.NewCursor(EngineCf.Default);
        int n = 0;
        for (c.SeekToFirst(); c.Valid; c.Next())
        {
            n++;
        }
        return n;
    }

    // Builds a random history of puts (short and long), deletes, lock records and rollbacks over a few keys.
    internal static ulong BuildHistory(TxnTestContext t, Random rnd, int keys, int txns, ulong startTs = 10)
    {
        ulong ts = startTs;
        for (int i = 0; i < txns; i++)
        {
            string k = "k" + rnd.Next(keys);
            switch (rnd.Next(6))
            {
                case 0:
                    t.MustPrewriteDelete(k, k, ts);
                    t.MustCommit(k, ts, ts + 1);
                    break;
                case 1:
                    Assert.Empty(t.Prewrite([Mutation.LockOnly(B(k))], k, ts).Errors);
                    t.MustCommit(k, ts, ts + 1);
                    break;
                case 2:
                    t.MustRollback(k, ts);
                    break;
                default:
                    t.MustPrewritePut(k, $"v{i}" + new string('L', rnd.Next(2) * 300), k, ts);
                    t.MustCommit(k, ts, ts + 1);
                    break;
            }
            ts += 2;
        }
        return ts;
    }

    [Fact]
    public void GcKeepsEveryReadAtOrAboveTheSafePointAndRemovesTheRest()
    {
        int seed = Environment.TickCount;
        var rnd = new Random(seed);
        for (int round = 0; round < 4; round++)
        {
            using var t = new TxnTestContext();
            ulong end = BuildHistory(t, rnd, keys: 6, txns: 120);
            ulong safePoint = (ulong)rnd.Next(10, (int)end);
            var before = new Dictionary<(string, ulong), string?>();
            for (ulong ts = safePoint; ts <= end; ts++)
            {
                for (int k = 0; k < 6; k++)
                {
                    GetResponse g = t.Get("k" + k, ts);
                    before[("k" + k, ts)] = g.NotFound ? null : Encoding.UTF8.GetString(g.Value);
                }
            }
            List<(string Key, ulong CommitTs, WriteType Type)> versionsBefore = Versions(t.Engine);
            // A snapshot taken before GC keeps seeing the old versions.
            using IKvSnapshot held = t.Engine.GetSnapshot();
            int defaultBefore = CountDefault(t.Engine);

            GcStats stats = GcRunner.Gc(t.Engine, safePoint);

            foreach (((string key, ulong ts), string? expected) in before)
            {
                GetResponse g = t.Get(key, ts);
                Assert.True(expected == (g.NotFound ? null : Encoding.UTF8.GetString(g.Value)), $"seed {seed} round {round}: {key}@{ts} sp {safePoint}");
            }
            // Model: per key, versions above the safe point stay; below it at most the newest put stays.
            var expectedRemaining = new List<(string, ulong, WriteType)>();
            foreach (IGrouping<string, (string Key, ulong CommitTs, WriteType Type)> g in versionsBefore.GroupBy(v => v.Key))
            {
                bool decided = false;
                foreach ((string key, ulong ts, WriteType type) in g)
                {
                    if (ts > safePoint)
                    {
                        expectedRemaining.Add((key, ts, type));
                    }
                    else if (!decided && type is WriteType.Put or WriteType.Delete)
                    {
                        decided = true;
                        if (type == WriteType.Put)
                        {
                            expectedRemaining.Add((key, ts, type));
                        }
                    }
                }
            }
            List<(string, ulong, WriteType)> after = Versions(t.Engine);
            Assert.True(expectedRemaining.SequenceEqual(after), $"seed {seed} round {round} sp {safePoint}");
            Assert.Equal(versionsBefore.Count - after.Count, stats.VersionsDeleted);
            Assert.Equal(defaultBefore - stats.ValuesDeleted, CountDefault(t.Engine));
            // Every remaining long put still finds its value (checked by the reads above); the held snapshot still has everything.
            int heldCount = 0;
            using (IKvCursor c = held.NewCursor(EngineCf.Write))
            {
                for (c.SeekToFirst(); c.Valid; c.Next())
                {
                    heldCount++;
                }
            }
            Assert.Equal(versionsBefore.Count, heldCount);
            // GC is idempotent.
            Assert.Equal(0, GcRunner.Gc(t.Engine, safePoint).VersionsDeleted);
        }
    }

    [Fact]
    public void GcOfARangeTouchesOnlyThatRange()
    {
        using var t = new TxnTestContext();
        foreach (string k in new[] { "a", "b", "c" })
        {
            t.MustPut(k, "1", 10, 11);
            t.MustPut(k, "2", 20, 21);
        }
        GcStats s = GcRunner.Gc(t.Engine, 30, B("b"), B("c"));
        Assert.Equal(1, s.VersionsDeleted);
        Assert.Equal(5, Versions(t.Engine).Count);
    }

    [Fact]
    public void CompactionFilterAtTheBottomMatchesExplicitGc()
    {
        int seed = Environment.TickCount;
        var rnd = new Random(seed);
        using var t = new TxnTestContext();
        ulong end = BuildHistory(t, rnd, keys: 8, txns: 150);
        ulong safePoint = (ulong)rnd.Next(10, (int)end);
        var entries = new List<(byte[] Key, byte[] Value)>();
        using (IKvSnapshot s = t.Engine.GetSnapshot())
        using (IKvCursor c = s.NewCursor(EngineCf.Write))
        {
            for (c.SeekToFirst(); c.Valid; c.Next())
            {
                entries.Add((c.Key.ToArray(), c.Value.ToArray()));
            }
        }
        var bottom = new GcCompactionFilter(safePoint, bottommostLevel: true);
        var upper = new GcCompactionFilter(safePoint, bottommostLevel: false);
        var keptBottom = new List<(string, ulong)>();
        int upperMarks = 0;
        foreach ((byte[] k, byte[] v) in entries)
        {
            GcDecision d = bottom.Filter(k, v);
            Assert.NotEqual(GcDecision.KeepDeleteMark, d);
            if (d == GcDecision.Keep)
            {
                MvccKey.TrySplit(k, out ReadOnlySpan<byte> uk, out ulong ts);
                keptBottom.Add((Encoding.UTF8.GetString(MvccKey.DecodeUserKey(uk)), ts));
            }
            if (upper.Filter(k, v) == GcDecision.KeepDeleteMark)
            {
                upperMarks++;
            }
        }
        Assert.Equal(upperMarks, upper.MvccDeletions.Count);
        Assert.True(bottom.Removed - upper.Removed == upperMarks, $"seed {seed}");
        GcStats stats = GcRunner.Gc(t.Engine, safePoint);
        Assert.True(keptBottom.SequenceEqual(Versions(t.Engine).Select(v => (v.Key, v.CommitTs))), $"seed {seed} sp {safePoint}");
        Assert.Equal(stats.ValuesDeleted, bottom.DefaultCfDeletes.Count);
        // Unparseable entries are kept, never guessed about.
        Assert.Equal(GcDecision.Keep, bottom.Filter([1, 2], [3]));
        Assert.Equal(GcDecision.Keep, bottom.Filter(MvccKey.Append(MvccKey.Encode(B("z")), 1), [0x5A]));
    }

    [Fact]
    public void PropertiesCollectorCountsAndDecidesNeedGc()
    {
        var c = new MvccPropertiesCollector();
        byte[] a = MvccKey.Encode(B("a"));
        byte[] b = MvccKey.Encode(B("b"));
        c.Add(MvccKey.Append(a, 30), new Write(WriteType.Put, 29, B("x")).Encode());
        c.Add(MvccKey.Append(a, 20), new Write(WriteType.Put, 19, B("x")).Encode());
        c.Add(MvccKey.Append(a, 15), Write.Rollback(15, false).Encode());
        c.Add(MvccKey.Append(b, 40), new Write(WriteType.Delete, 39).Encode());
        c.Add(MvccKey.Append(b, 35), new Write(WriteType.Lock, 34).Encode());
        MvccProperties p = c.Finish();
        Assert.Equal((15UL, 40UL, 2UL, 5UL, 2UL, 1UL, 1UL, 1UL, 3UL),
            (p.MinTs, p.MaxTs, p.NumRows, p.NumVersions, p.NumPuts, p.NumDeletes, p.NumLocks, p.NumRollbacks, p.MaxRowVersions));
        Assert.Equal("010F2802050201010103", Convert.ToHexString(p.Encode()));
        MvccProperties d = MvccProperties.Decode(p.Encode())!;
        Assert.Equal(p.Encode(), d.Encode());
        Assert.Null(MvccProperties.Decode([2, 0]));
        Assert.Throws<MvccFormatException>(() => MvccProperties.Decode([1, 0x80]));

        Assert.False(p.NeedGc(10));
        Assert.True(p.NeedGc(15));
        var onlyPuts = new MvccPropertiesCollector();
        onlyPuts.Add(MvccKey.Append(a, 30), new Write(WriteType.Put, 29, B("x")).Encode());
        onlyPuts.Add(MvccKey.Append(b, 30), new Write(WriteType.Put, 29, B("x")).Encode());
        Assert.False(onlyPuts.Finish().NeedGc(100));
        onlyPuts.Add(MvccKey.Append(b, 20), new Write(WriteType.Put, 19, B("x")).Encode());
        Assert.True(onlyPuts.Finish().NeedGc(100));
        Assert.False(new MvccProperties().NeedGc(100));
    }
}
