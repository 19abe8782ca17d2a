using ManagedKv.Pd.Storage;
using ManagedKv.Pd.Tests.Util;
using ManagedKv.Pd.Tso;

namespace ManagedKv.Pd.Tests.Tso;

public sealed class TsoAllocatorTests
{
    private const long T0 = 1_700_000_000_000;

    [Fact]
    public void BatchReturnsLastTimestampOfBlock()
    {
        using var dir = new TempDir();
        using var storage = PdStorage.Open(dir.Path);
        var clock = new ManualClock(T0);
        var tso = new TsoAllocator(storage, clock, TimeSpan.FromSeconds(3));
        Assert.Equal(new TsoTimestamp(T0, 10), tso.Allocate(10));
        Assert.Equal(new TsoTimestamp(T0, 15), tso.Allocate(5));
        clock.Advance(1);
        Assert.Equal(new TsoTimestamp(T0 + 1, 1), tso.Allocate(1));
    }

    [Fact]
    public void LogicalOverflowMovesToNextMillisecond()
    {
        using var dir = new TempDir();
        using var storage = PdStorage.Open(dir.Path);
        var tso = new TsoAllocator(storage, new ManualClock(T0), TimeSpan.FromSeconds(3));
        TsoTimestamp full = tso.Allocate((uint)(TsoTimestamp.MaxLogical - 1));
        Assert.Equal(new TsoTimestamp(T0, TsoTimestamp.MaxLogical - 1), full);
        TsoTimestamp next = tso.Allocate(1);
        Assert.Equal(new TsoTimestamp(T0 + 1, 1), next);
        TsoTimestamp batch = tso.Allocate((uint)(TsoTimestamp.MaxLogical - 1));
        Assert.Equal(new TsoTimestamp(T0 + 2, TsoTimestamp.MaxLogical - 1), batch);
    }

    [Fact]
    public void ZeroOrOversizedCountIsRejected()
    {
        using var dir = new TempDir();
        using var storage = PdStorage.Open(dir.Path);
        var tso = new TsoAllocator(storage, new ManualClock(T0), TimeSpan.FromSeconds(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => tso.Allocate(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => tso.Allocate((uint)TsoTimestamp.MaxLogical));
    }

    [Fact]
    public void ClockGoingBackDoesNotMoveTimestampsBack()
    {
        using var dir = new TempDir();
        using var storage = PdStorage.Open(dir.Path);
        var clock = new ManualClock(T0);
        var tso = new TsoAllocator(storage, clock, TimeSpan.FromSeconds(3));
        TsoTimestamp a = tso.Allocate(3);
        clock.Set(T0 - 60_000);
        TsoTimestamp b = tso.Allocate(3);
        Assert.True(b.Composed > a.Composed);
        Assert.Equal(T0, b.Physical);
        Assert.Equal(6, b.Logical);
    }

    [Fact]
    public void NoPhysicalAtOrAboveSavedBoundIsHandedOutWithoutPersistingFirst()
    {
        using var dir = new TempDir();
        using var storage = PdStorage.Open(dir.Path);
        var clock = new ManualClock(T0);
        var tso = new TsoAllocator(storage, clock, TimeSpan.FromSeconds(3));
        Assert.Equal(T0 + 3000, storage.LoadTsoBound());
        clock.Set(T0 + 2999);
        Assert.Equal(T0 + 2999, tso.Allocate(1).Physical);
        Assert.Equal(T0 + 3000, storage.LoadTsoBound());
        clock.Set(T0 + 3000);
        TsoTimestamp ts = tso.Allocate(1);
        Assert.Equal(T0 + 3000, ts.Physical);
        Assert.Equal(T0 + 6000, storage.LoadTsoBound());
        Assert.Equal(T0 + 6000, tso.SavedBound);
        // Overflow past the bound also persists first.
        clock.Set(T0 + 5999);
        tso.Allocate((uint)(TsoTimestamp.MaxLogical - 1));
        TsoTimestamp over = tso.Allocate(1);
        Assert.Equal(T0 + 6000, over.Physical);
        Assert.True(storage.LoadTsoBound() > over.Physical);
    }

    [Fact]
    public void PeriodicSaveKeepsTheWindowAheadSoRequestsDoNotSave()
    {
        using var dir = new TempDir();
        using var storage = PdStorage.Open(dir.Path);
        var clock = new ManualClock(T0);
        var tso = new TsoAllocator(storage, clock, TimeSpan.FromSeconds(3));
        Assert.Equal(1, tso.BoundSaves);
        // More than half the window left: nothing to do.
        clock.Set(T0 + 1500);
        tso.SaveAheadIfDue();
        Assert.Equal(1, tso.BoundSaves);
        Assert.Equal(T0 + 3000, storage.LoadTsoBound());
        // Less than half left: the next bound is saved ahead of need.
        clock.Set(T0 + 1501);
        tso.SaveAheadIfDue();
        Assert.Equal(2, tso.BoundSaves);
        Assert.Equal(T0 + 4501, storage.LoadTsoBound());
        // Requests up to the new bound write nothing.
        for (long t = T0 + 1501; t < T0 + 4501; t += 7)
        {
            clock.Set(t);
            Assert.Equal(t, tso.Allocate(3).Physical);
        }
        Assert.Equal(2, tso.BoundSaves);
        // A request that reaches the bound saves it itself.
        clock.Set(T0 + 4501);
        Assert.Equal(T0 + 4501, tso.Allocate(1).Physical);
        Assert.Equal(3, tso.BoundSaves);
        Assert.Equal(T0 + 7501, storage.LoadTsoBound());
    }

    [Fact]
    public void ClusterSavesTheBoundInTheBackgroundAndStopsOnDispose()
    {
        using var dir = new TempDir();
        var cluster = ManagedKv.Pd.Cluster.PdCluster.Open(new ManagedKv.Pd.Server.PdOptions
        {
            DataDir = dir.Sub("pd"),
            TsoSaveInterval = TimeSpan.FromMilliseconds(200),
        });
        long first = cluster.Tso.BoundSaves;
        // No request at all: the 50 ms saver alone keeps the window ahead of the real clock.
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (cluster.Tso.BoundSaves < first + 2 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }
        Assert.True(cluster.Tso.BoundSaves >= first + 2, $"saves: {cluster.Tso.BoundSaves - first} in 10 s");
        Assert.Equal(0, cluster.TsoSaveFailures);
        cluster.Dispose();
        long after = cluster.Tso.BoundSaves;
        Thread.Sleep(300);
        Assert.Equal(after, cluster.Tso.BoundSaves);
    }

    [Fact]
    public void RestartStartsAboveSavedBoundEvenWithClockBehind()
    {
        using var dir = new TempDir();
        var clock = new ManualClock(T0);
        TsoTimestamp last;
        long bound;
        using (var storage = PdStorage.Open(dir.Path))
        {
            var tso = new TsoAllocator(storage, clock, TimeSpan.FromSeconds(3));
            tso.Allocate(100);
            clock.Advance(2500);
            last = tso.Allocate(100);
            bound = storage.LoadTsoBound();
        }
        clock.Set(T0 - 3_600_000); // an hour back
        using (var storage = PdStorage.Open(dir.Path))
        {
            var tso = new TsoAllocator(storage, clock, TimeSpan.FromSeconds(3));
            TsoTimestamp first = tso.Allocate(1);
            Assert.True(first.Composed > last.Composed, $"{first} after restart must exceed {last}");
            Assert.Equal(bound, first.Physical);
            Assert.True(storage.LoadTsoBound() > first.Physical);
        }
    }

    [Fact]
    public void StrictlyIncreasingAcrossThreads()
    {
        using var dir = new TempDir();
        using var storage = PdStorage.Open(dir.Path);
        // The real clock, with a tiny save window so bound persistence interleaves with the allocations.
        var tso = new TsoAllocator(storage, SystemPdClock.Instance, TimeSpan.FromMilliseconds(5));
        const int threads = 4;
        const int perThread = 20_000;
        var blocks = new (ulong First, ulong Last)[threads][];
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            blocks[id] = new (ulong, ulong)[perThread];
            workers[t] = new Thread(() =>
            {
                var rng = new Random(id);
                for (int i = 0; i < perThread; i++)
                {
                    uint count = (uint)rng.Next(1, 64);
                    ulong last = tso.Allocate(count).Composed;
                    blocks[id][i] = (last - count + 1, last);
                }
            });
            workers[t].Start();
        }
        // PdCluster's periodic saver, racing the allocations: the persisted bound only grows.
        using var stop = new ManualResetEventSlim();
        long saverFailures = 0;
        var saver = new Thread(() =>
        {
            long previous = 0;
            while (!stop.IsSet)
            {
                tso.SaveAheadIfDue();
                long saved = storage.LoadTsoBound();
                if (saved < previous)
                {
                    Interlocked.Increment(ref saverFailures);
                }
                previous = saved;
            }
        });
        saver.Start();
        foreach (Thread w in workers)
        {
            w.Join();
        }
        stop.Set();
        saver.Join();
        Assert.Equal(0, Interlocked.Read(ref saverFailures));
        var all = new List<(ulong First, ulong Last)>();
        for (int t = 0; t < threads; t++)
        {
            for (int i = 1; i < perThread; i++)
            {
                Assert.True(blocks[t][i].First > blocks[t][i - 1].Last, $"thread {t} went back at {i}");
            }
            all.AddRange(blocks[t]);
        }
        all.Sort();
        for (int i = 1; i < all.Count; i++)
        {
            Assert.True(all[i].First > all[i - 1].Last, $"blocks overlap: {all[i - 1]} and {all[i]}");
        }
        Assert.True(TsoTimestamp.FromComposed(all[^1].Last).Physical < storage.LoadTsoBound());
    }

    [Fact]
    public void ComposedRoundTrips()
    {
        var ts = new TsoTimestamp(T0, 12345);
        Assert.Equal(((ulong)T0 << 18) | 12345, ts.Composed);
        Assert.Equal(ts, TsoTimestamp.FromComposed(ts.Composed));
    }
}
