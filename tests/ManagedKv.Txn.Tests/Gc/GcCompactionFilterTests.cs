using System.Buffers;
using ManagedKv.Lsm;

namespace ManagedKv.Txn.Tests.Gc;

public sealed class GcCompactionFilterTests
{
    private static List<(string Key, string Value)> Dump(IKvEngine engine, EngineCf cf)
    {
        var result = new List<(string, string)>();
        using IKvSnapshot s = engine.GetSnapshot();
        using IKvCursor c = s.NewCursor(cf);
        for (c.SeekToFirst(); c.Valid; c.Next())
        {
            result.Add((Convert.ToHexString(c.Key), Convert.ToHexString(c.Value)));
        }
        return result;
    }

    private static void AssertSameData(IKvEngine expected, IKvEngine actual, string context)
    {
        foreach (EngineCf cf in new[] { EngineCf.Write, EngineCf.Default, EngineCf.Lock })
        {
            List<(string, string)> e = Dump(expected, cf);
            List<(string, string)> a = Dump(actual, cf);
            Assert.True(e.SequenceEqual(a), $"{context}: cf {cf} differs ({e.Count} expected entries, {a.Count} actual)");
        }
    }

    // Same seed, same history on both engines, with flushes in between so the compaction merges several files.
    private static ulong BuildHistoryInFiles(TxnTestContext t, int seed)
    {
        var rnd = new Random(seed);
        ulong ts = 10;
        for (int part = 0; part < 3; part++)
        {
            ts = GcTests.BuildHistory(t, rnd, keys: 8, txns: 60, startTs: ts);
            foreach (EngineCf cf in new[] { EngineCf.Write, EngineCf.Default, EngineCf.Lock })
            {
                t.Lsm.Db.Flush(t.Lsm.ColumnFamily(cf));
            }
        }
        return ts;
    }

    [Fact]
    public void CompactionWithASafePointCollectsExactlyWhatExplicitGcWould()
    {
        int seed = Environment.TickCount;
        for (int round = 0; round < 3; round++)
        {
            var provider = new GcSafePointProvider();
            using var a = new TxnTestContext(gcSafePoint: provider);
            using var b = new TxnTestContext();
            ulong end = BuildHistoryInFiles(a, seed + round);
            BuildHistoryInFiles(b, seed + round);
            AssertSameData(b.Engine, a.Engine, $"seed {seed + round} before GC");
            ulong safePoint = (ulong)new Random(seed + round).Next(10, (int)end);

            Assert.True(provider.Advance(safePoint));
            a.Lsm.Db.CompactRange(a.Lsm.ColumnFamily(EngineCf.Write), null, null,
                new CompactRangeOptions { BottommostLevelCompaction = BottommostLevelCompaction.Force });
            GcCompactionFilterFactory factory = a.Lsm.GcCompactionFilter!;
            factory.WaitForPendingDeletes();
            GcStats explicitGc = GcRunner.Gc(b.Engine, safePoint, skipByProperties: false);

            string context = $"seed {seed + round} sp {safePoint}";
            Assert.True(factory.FilteredCompactions > 0, context);
            Assert.Null(factory.LastError);
            AssertSameData(b.Engine, a.Engine, context);
            Assert.True(explicitGc.VersionsDeleted == factory.VersionsRemoved, $"{context}: {explicitGc} vs {factory.VersionsRemoved} removed by compaction");
            Assert.Equal(explicitGc.ValuesDeleted, factory.ValuesDeleted);
            // Nothing left for explicit GC, and no pending-delete file left behind.
            Assert.Equal(0, GcRunner.Gc(a.Engine, safePoint, skipByProperties: false).VersionsDeleted);
            Assert.Empty(Directory.GetFiles(Path.Combine(a.Path, LsmKvEngine.GcPendingDirectoryName)));
        }
    }

    [Fact]
    public void CompactionWhoseInputsShowNothingToCollectRunsWithoutTheFilter()
    {
        var provider = new GcSafePointProvider();
        using var t = new TxnTestContext(gcSafePoint: provider);
        BuildHistoryInFiles(t, 7);
        // A safe point below every timestamp: the input files' MVCC properties show nothing to collect (TiKV's check).
        Assert.True(provider.Advance(5));
        t.Lsm.Db.CompactRange(t.Lsm.ColumnFamily(EngineCf.Write), null, null,
            new CompactRangeOptions { BottommostLevelCompaction = BottommostLevelCompaction.Force });
        GcCompactionFilterFactory factory = t.Lsm.GcCompactionFilter!;
        Assert.True(factory.SkippedCompactions > 0);
        Assert.Equal(0, factory.FilteredCompactions);
        Assert.Equal(0, factory.VersionsRemoved);
    }

    [Fact]
    public void AboveTheBottomDeleteMarksAreCollectedByTheDeleterAndTheResultStillMatches()
    {
        int seed = Environment.TickCount;
        for (int round = 0; round < 3; round++)
        {
            var provider = new GcSafePointProvider();
            using var a = new TxnTestContext(gcSafePoint: provider);
            using var b = new TxnTestContext();
            ulong end = GcTests.BuildHistory(a, new Random(seed + round), keys: 8, txns: 150);
            GcTests.BuildHistory(b, new Random(seed + round), keys: 8, txns: 150);
            ulong safePoint = (ulong)new Random(seed + round).Next(10, (int)end);
            provider.Advance(safePoint);
            GcCompactionFilterFactory factory = a.Lsm.GcCompactionFilter!;

            // Drive the filter as a compaction to L1 (not the bottom) would: every write CF entry in key order, then
            // dispose (commits the pending file), then "install" the removals.
            ICompactionFilter filter = factory.CreateCompactionFilter(new CompactionFilterContext(false, true, false, 0, 1, 0, "write"))!;
            var install = new KvWriteBatch();
            var scratch = new ArrayBufferWriter<byte>();
            int marks = 0;
            foreach ((string key, string value) in Dump(a.Engine, EngineCf.Write))
            {
                byte[] k = Convert.FromHexString(key);
                byte[] v = Convert.FromHexString(value);
                if (filter.Filter(1, k, v, scratch) == CompactionFilterDecision.Remove)
                {
                    install.Delete(EngineCf.Write, k);
                }
                else if (WriteRef.Parse(v, k).Type == WriteType.Delete && MvccKey.DecodeTs(k) <= safePoint)
                {
                    marks++;
                }
            }
            ((IDisposable)filter).Dispose();
            a.Engine.Write(install);
            factory.WaitForPendingDeletes();
            GcRunner.Gc(b.Engine, safePoint, skipByProperties: false);

            string context = $"seed {seed + round} sp {safePoint} marks {marks}";
            Assert.Null(factory.LastError);
            AssertSameData(b.Engine, a.Engine, context);
        }
    }

    [Fact]
    public void APendingFileLeftByACrashIsAppliedAtOpenAndATempFileIsDiscarded()
    {
        var provider = new GcSafePointProvider();
        string path;
        using var t = new TxnTestContext(gcSafePoint: provider);
        path = t.Path;
        t.MustPut("x", "1" + new string('L', 300), 10, 11);
        t.MustPut("x", "2" + new string('L', 300), 20, 21);
        t.MustPut("y", "3" + new string('L', 300), 30, 31);
        byte[] oldValueKey = MvccKey.Append(MvccKey.Encode(TxnTestContext.B("x")), 10);
        string dir = Path.Combine(path, LsmKvEngine.GcPendingDirectoryName);
        t.Lsm.Dispose();

        // The crash left: a committed file (its compaction may have installed) and an unfinished one (it did not).
        using (var w = new GcPendingWriter(dir, 7, safePoint: 25))
        {
            w.Add(GcPendingFormat.KindDefaultCfKey, oldValueKey);
            w.Commit();
        }
        byte[] liveValueKey = MvccKey.Append(MvccKey.Encode(TxnTestContext.B("y")), 30);
        File.WriteAllBytes(Path.Combine(dir, "00000008.tmp"), [.. GcPendingFormat.Magic, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, (byte)liveValueKey.Length, .. liveValueKey]);

        using (LsmKvEngine reopened = LsmKvEngine.Open(path, gcSafePoint: provider))
        {
            Assert.Empty(Directory.GetFiles(dir));
            var storage = new TxnStorage(reopened);
            using IKvSnapshot s = reopened.GetSnapshot();
            Assert.False(s.TryGet(EngineCf.Default, oldValueKey, new ArrayBufferWriter<byte>()));
            Assert.Equal("2", ((char)storage.Get(new GetRequest { Key = TxnTestContext.B("x"), Version = 30 }).Value[0]).ToString());
            Assert.Equal("3", ((char)storage.Get(new GetRequest { Key = TxnTestContext.B("y"), Version = 40 }).Value[0]).ToString());
            Assert.Equal(1, reopened.GcCompactionFilter!.ValuesDeleted);
        }

        // A damaged committed file stops the open: its deletes are never skipped silently.
        using (var w = new GcPendingWriter(dir, 10, safePoint: 25))
        {
            w.Add(GcPendingFormat.KindDefaultCfKey, oldValueKey);
            w.Commit();
        }
        string file = Path.Combine(dir, "00000010.pending");
        byte[] bytes = File.ReadAllBytes(file);
        bytes[GcPendingFormat.HeaderLength + 3] ^= 1;
        File.WriteAllBytes(file, bytes);
        CorruptionException e = Assert.Throws<CorruptionException>(() => LsmKvEngine.Open(path, gcSafePoint: provider).Dispose());
        Assert.Equal(file, e.FilePath);
        Assert.Equal(bytes.Length - 4, e.Offset);
    }

    [Fact]
    public void PendingFileBytesArePinned()
    {
        using var dir = new TempDir();
        using var w = new GcPendingWriter(dir.Path, 1, safePoint: 0x0102);
        w.Add(GcPendingFormat.KindDefaultCfKey, [0xAA, 0xBB]);
        w.Add(GcPendingFormat.KindMvccDeletion, [0x62]);
        string path = w.Commit();
        Assert.Equal("00000001.pending", Path.GetFileName(path));
        byte[] bytes = File.ReadAllBytes(path);
        // magic "MKVGCPD1" | version 1 | safe point LE | (kind | len | key)* | 00 | count 2 | CRC-32 LE
        Assert.Equal("4D4B564743504431" + "01" + "0201000000000000" + "0102AABB" + "020162" + "0002",
            Convert.ToHexString(bytes[..^4]));
        Assert.Equal(System.IO.Hashing.Crc32.HashToUInt32(bytes[..^4]), BitConverter.ToUInt32(bytes, bytes.Length - 4));
        GcPendingFile f = GcPendingFile.Read(path);
        Assert.Equal(0x0102UL, f.SafePoint);
        Assert.Equal([0xAA, 0xBB], Assert.Single(f.DefaultCfKeys));
        Assert.Equal([0x62], Assert.Single(f.MvccDeletions));
        // Every single-byte change is detected.
        for (int i = 0; i < bytes.Length; i++)
        {
            byte[] damaged = (byte[])bytes.Clone();
            damaged[i] ^= 0x10;
            Assert.Throws<CorruptionException>(() => GcPendingFile.Parse(damaged, path));
        }
        Assert.Throws<CorruptionException>(() => GcPendingFile.Parse(bytes[..^1], path));
    }

    [Fact]
    public void SafePointOnlyMovesForwardAndZeroTurnsTheFilterOff()
    {
        var provider = new GcSafePointProvider();
        using var t = new TxnTestContext(gcSafePoint: provider);
        var context = new CompactionFilterContext(false, false, true, 0, 6, 0, "write");
        Assert.Null(t.Lsm.GcCompactionFilter!.CreateCompactionFilter(context));
        Assert.True(provider.Advance(100));
        Assert.False(provider.Advance(50));
        Assert.False(provider.Advance(100));
        Assert.Equal(100UL, provider.SafePoint);
        ICompactionFilter? f = t.Lsm.GcCompactionFilter.CreateCompactionFilter(context);
        Assert.NotNull(f);
        ((IDisposable)f).Dispose();
    }
}
