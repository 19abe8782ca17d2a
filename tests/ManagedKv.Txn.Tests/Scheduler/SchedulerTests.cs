using static ManagedKv.Txn.Tests.TxnTestContext;

namespace ManagedKv.Txn.Tests.Scheduler;

public sealed class SchedulerTests
{
    /// <summary>An engine whose writes block until released, to hold commands inside the scheduler.</summary>
    private sealed class GatedEngine(IKvEngine inner) : IKvEngine
    {
        public readonly ManualResetEventSlim Gate = new(true);
        public int WritesStarted;

        public IKvSnapshot GetSnapshot() => inner.GetSnapshot();

        public void Write(KvWriteBatch batch)
        {
            Interlocked.Increment(ref WritesStarted);
            Gate.Wait();
            inner.Write(batch);
        }
    }

    [Fact]
    public void PendingWritesBeyondTheQuotaGetServerIsBusy()
    {
        GatedEngine? gated = null;
        using var t = new TxnTestContext(new TxnSchedulerOptions { PendingWriteQuotaBytes = 2000 }, e => gated = new GatedEngine(e));
        gated!.Gate.Reset();
        var held = Task.Run(() => t.Prewrite([Mutation.Put(B("a"), new byte[1500])], "a", 10));
        SpinWait.SpinUntil(() => Volatile.Read(ref gated.WritesStarted) == 1, 5000);
        Assert.True(t.Storage.Scheduler.PendingWriteBytes > 1500);
        PrewriteResponse busy = t.Prewrite([Mutation.Put(B("b"), new byte[1000])], "b", 11);
        Assert.NotNull(busy.ServerIsBusy);
        Assert.Equal(1, t.Storage.Scheduler.BusyRejections);
        Assert.Null(t.LoadLock("b"));
        gated.Gate.Set();
        Assert.Empty(held.Result.Errors);
        Assert.Equal(0, t.Storage.Scheduler.PendingWriteBytes);
        Assert.Empty(t.Prewrite([Mutation.Put(B("b"), new byte[1000])], "b", 11).Errors);
        // A single command larger than the quota is admitted when nothing else is pending.
        Assert.Empty(t.Prewrite([Mutation.Put(B("c"), new byte[5000])], "c", 12).Errors);
    }

    [Fact]
    public void OverlappingCommandsSerializeAndDisjointOnesRunInParallel()
    {
        GatedEngine? gated = null;
        using var t = new TxnTestContext(wrap: e => gated = new GatedEngine(e));
        gated!.Gate.Reset();
        var first = Task.Run(() => t.Prewrite([Mutation.Put(B("a"), B("1")), Mutation.Put(B("b"), B("1"))], "a", 10));
        SpinWait.SpinUntil(() => Volatile.Read(ref gated.WritesStarted) == 1, 5000);
        // Shares key b: waits on the latch, never reaches the engine while the first holds it.
        var overlapping = Task.Run(() => t.Prewrite([Mutation.Put(B("b"), B("2"))], "b", 20));
        // Disjoint: reaches the engine while the first is still inside.
        var disjoint = Task.Run(() => t.Prewrite([Mutation.Put(B("c"), B("3"))], "c", 30));
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref gated.WritesStarted) == 2, 5000));
        Thread.Sleep(50);
        Assert.Equal(2, Volatile.Read(ref gated.WritesStarted));
        Assert.False(overlapping.IsCompleted);
        gated.Gate.Set();
        Assert.Empty(first.Result.Errors);
        Assert.Empty(disjoint.Result.Errors);
        // The overlapping prewrite ran after the first committed its lock, so it sees it.
        Assert.IsType<KeyIsLocked>(Assert.Single(overlapping.Result.Errors));
    }

    [Fact]
    public void LatchSlotsAreSortedAndDistinct()
    {
        var latches = new Latches(4);
        var keys = new List<byte[]>();
        for (int i = 0; i < 50; i++)
        {
            keys.Add(B("k" + i));
        }
        int[] slots = latches.Acquire(keys);
        Assert.Equal(slots.Distinct().OrderBy(x => x), slots);
        Assert.True(slots.Length <= 4);
        latches.Release(slots);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Latches(3));
    }

    [Fact]
    public void ReadsRaiseMaxTsAndMemoryLocksBlockReaders()
    {
        using var t = new TxnTestContext();
        t.MustGetNone("x", 500);
        Assert.Equal(500UL, t.Storage.ConcurrencyManager.MaxTs);
        t.MustGetNone("x", TimeStamp.Max);
        Assert.Equal(500UL, t.Storage.ConcurrencyManager.MaxTs);
        ConcurrencyManager cm = t.Storage.ConcurrencyManager;
        byte[] key = MvccKey.Encode(B("m"));
        var l = new Lock(LockType.Put, B("m"), 100, 1000);
        Assert.Equal(501UL, cm.AddMemoryLock(key, l, 101));
        Assert.Null(t.Get("m", 500).Error);
        Assert.IsType<KeyIsLocked>(t.Get("m", 600).Error);
        Assert.IsType<KeyIsLocked>(t.Storage.Scan(new ScanRequest { Version = 600 }).Error);
        cm.RemoveMemoryLock(key);
        Assert.Null(t.Get("m", 600).Error);
    }
}
