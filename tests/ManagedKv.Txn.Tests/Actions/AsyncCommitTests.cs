using static ManagedKv.Txn.Tests.TxnTestContext;

namespace ManagedKv.Txn.Tests.Actions;

public sealed class AsyncCommitTests
{
    [Fact]
    public void MinCommitTsIsAboveEveryEarlierRead()
    {
        using var t = new TxnTestContext();
        t.MustGetNone("x", 100);
        PrewriteResponse r = t.Prewrite([Mutation.Put(B("pk"), B("1")), Mutation.Put(B("sk"), B("2"))], "pk", 50,
            asyncCommit: true, secondaries: [B("sk")]);
        Assert.Empty(r.Errors);
        Assert.Equal(101UL, r.MinCommitTs);
        Lock primary = t.LoadLock("pk")!;
        Assert.True(primary.UseAsyncCommit);
        Assert.Equal([B("sk")], primary.Secondaries);
        Assert.True(t.LoadLock("sk")!.UseAsyncCommit);
        Assert.Empty(t.LoadLock("sk")!.Secondaries);
        // A reader below min_commit_ts is not blocked (the transaction will commit above it).
        t.MustGetNone("pk", 100);
        t.MustGetLocked("pk", 101);
        Assert.Equal(0, t.Storage.ConcurrencyManager.MemoryLockCount);
        // A retried prewrite reports the same min_commit_ts.
        Assert.Equal(101UL, t.Prewrite([Mutation.Put(B("pk"), B("1"))], "pk", 50, asyncCommit: true, secondaries: [B("sk")]).MinCommitTs);
        Assert.IsType<CommitTsExpired>(t.Commit("sk", 50, 100).Error);
        t.MustCommit("sk", 50, 101);
        t.MustCommit("pk", 50, 101);
        t.MustGet("sk", 101, "2");
    }

    [Fact]
    public void CheckTxnStatusReportsAsyncPrimaryWithoutRollingItBack()
    {
        using var t = new TxnTestContext();
        ulong start = Ts(1000);
        t.Prewrite([Mutation.Put(B("pk"), B("1"))], "pk", start, ttl: 10, asyncCommit: true, secondaries: [B("sk")]);
        CheckTxnStatusResponse r = t.CheckTxnStatus("pk", start, Ts(1001), Ts(9000));
        Assert.Equal(TxnStatusKind.Uncommitted, r.Status);
        Assert.NotNull(r.LockInfo);
        Assert.True(r.LockInfo!.UseAsyncCommit);
        Assert.Equal([B("sk")], r.LockInfo.Secondaries);
        Assert.NotNull(t.LoadLock("pk"));
        // force_sync_commit treats it as an ordinary expired lock.
        CheckTxnStatusResponse forced = t.Storage.CheckTxnStatus(new CheckTxnStatusRequest
        {
            PrimaryKey = B("pk"), LockTs = start, CurrentTs = Ts(9000), RollbackIfNotExist = true, ForceSyncCommit = true,
        });
        Assert.Equal(CheckTxnStatusAction.TtlExpireRollback, forced.Action);
    }

    [Fact]
    public void CheckSecondaryLocksDecidesTheTransaction()
    {
        using var t = new TxnTestContext();
        t.Prewrite([Mutation.Put(B("pk"), B("1")), Mutation.Put(B("s1"), B("2"))], "pk", 10, asyncCommit: true, secondaries: [B("s1"), B("s2")]);
        // s2's prewrite never arrived: checking it rolls the transaction back there and protects against the late prewrite.
        CheckSecondaryLocksResponse r = t.Storage.CheckSecondaryLocks(new CheckSecondaryLocksRequest { StartVersion = 10, Keys = [B("s1"), B("s2")] });
        Assert.Empty(r.Locks);
        Assert.Equal(0UL, r.CommitTs);
        Assert.NotEmpty(t.Prewrite([Mutation.Put(B("s2"), B("3"))], "pk", 10, asyncCommit: true).Errors);
        Assert.Null(t.Storage.ResolveLock(new ResolveLockRequest { StartVersion = 10 }).Error);
        Assert.Null(t.LoadLock("pk"));
        Assert.Null(t.LoadLock("s1"));
        t.MustGetNone("pk", 1000);
    }

    [Fact]
    public void CheckSecondaryLocksListsLocksAndSeesCommits()
    {
        using var t = new TxnTestContext();
        PrewriteResponse p = t.Prewrite([Mutation.Put(B("pk"), B("1")), Mutation.Put(B("s1"), B("2"))], "pk", 10, asyncCommit: true, secondaries: [B("s1")]);
        CheckSecondaryLocksResponse r = t.Storage.CheckSecondaryLocks(new CheckSecondaryLocksRequest { StartVersion = 10, Keys = [B("s1")] });
        LockInfo l = Assert.Single(r.Locks);
        Assert.Equal(p.MinCommitTs, l.MinCommitTs);
        t.MustCommit("s1", 10, p.MinCommitTs);
        r = t.Storage.CheckSecondaryLocks(new CheckSecondaryLocksRequest { StartVersion = 10, Keys = [B("s1")] });
        Assert.Equal(p.MinCommitTs, r.CommitTs);
        Assert.Empty(r.Locks);
    }

    [Fact]
    public void OnePcCommitsWithoutLocks()
    {
        using var t = new TxnTestContext();
        t.MustGetNone("a", 70);
        string big = new('z', 400);
        PrewriteResponse r = t.Prewrite([Mutation.Put(B("a"), B("1")), Mutation.Put(B("b"), B(big)), Mutation.Delete(B("c"))], "a", 60, onePc: true);
        Assert.Empty(r.Errors);
        Assert.Equal(71UL, r.OnePcCommitTs);
        Assert.Null(t.LoadLock("a"));
        Assert.Null(t.LoadLock("b"));
        t.MustGetNone("a", 70);
        t.MustGet("a", 71, "1");
        t.MustGet("b", 71, big);
        Assert.Equal(WriteType.Delete, t.WriteAt("c", 71)!.Type);
    }

    [Fact]
    public void OnePcAndAsyncCommitFallBackWhenMaxCommitTsIsTooSmall()
    {
        using var t = new TxnTestContext();
        t.MustGetNone("x", 500);
        PrewriteResponse r = t.Prewrite([Mutation.Put(B("a"), B("1"))], "a", 60, onePc: true, maxCommitTs: 100);
        Assert.Empty(r.Errors);
        Assert.Equal(0UL, r.OnePcCommitTs);
        Lock l = t.LoadLock("a")!;
        Assert.False(l.UseAsyncCommit);
        Assert.Equal(61UL, l.MinCommitTs);
        t.MustCommit("a", 60, 600);

        r = t.Prewrite([Mutation.Put(B("b"), B("1"))], "b", 70, asyncCommit: true, maxCommitTs: 100);
        Assert.Empty(r.Errors);
        Assert.Equal(0UL, r.MinCommitTs);
        Assert.False(t.LoadLock("b")!.UseAsyncCommit);
    }

    [Fact]
    public void RollbackAtAnAsyncCommitTsIsKeptAsOverlappedRollback()
    {
        using var t = new TxnTestContext();
        // Txn A (start 10) holds an async-commit lock on k; txn B (start 20) is rolled back on k meanwhile.
        t.Prewrite([Mutation.Put(B("k"), B("a"))], "k", 10, asyncCommit: true);
        t.MustRollback("k", 20);
        Assert.Equal([20UL], t.LoadLock("k")!.RollbackTs);
        // A commits exactly at 20: its record replaces B's rollback record but carries the rollback.
        t.MustCommit("k", 10, 20);
        Write w = t.WriteAt("k", 20)!;
        Assert.Equal(WriteType.Put, w.Type);
        Assert.True(w.HasOverlappedRollback);
        Assert.Equal(WriteConflictReason.SelfRolledBack, Assert.IsType<WriteConflict>(t.PrewritePutErr("k", "b", "k", 20)).Reason);
        Assert.Equal(TxnStatusKind.RolledBack, t.CheckTxnStatus("k", 20, 0, 30).Status);
        t.MustGet("k", 20, "a");
    }

    [Fact]
    public void RollbackOnAnExistingCommitAtTheSameTsSetsTheFlag()
    {
        using var t = new TxnTestContext();
        t.MustPut("k", "v", 10, 20);
        // Txn 20's primary on k is rolled back while a commit of txn 10 sits at ts 20.
        t.MustRollback("k", 20);
        Write w = t.WriteAt("k", 20)!;
        Assert.Equal(WriteType.Put, w.Type);
        Assert.True(w.HasOverlappedRollback);
        t.MustGet("k", 25, "v");
    }
}
