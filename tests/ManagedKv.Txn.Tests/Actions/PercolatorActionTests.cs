using static ManagedKv.Txn.Tests.TxnTestContext;

namespace ManagedKv.Txn.Tests.Actions;

// Scenarios of TiKV's txn action tests (prewrite/commit/rollback/cleanup/check_txn_status), as facts.
public sealed class PercolatorActionTests
{
    [Fact]
    public void CommittedValueIsVisibleFromCommitTsOnly()
    {
        using var t = new TxnTestContext();
        t.MustPut("k", "v1", 10, 20);
        t.MustGetNone("k", 15);
        t.MustGet("k", 20, "v1");
        t.MustGet("k", 100, "v1");
        Assert.Null(t.LoadLock("k"));
        GetResponse r = t.Get("k", 30);
        Assert.Equal(20UL, r.CommitTs);
    }

    [Fact]
    public void LongValuesLiveInTheDefaultCf()
    {
        using var t = new TxnTestContext();
        string big = new('x', 1000);
        t.MustPut("k", big, 10, 20);
        t.MustGet("k", 25, big);
        Assert.Null(t.WriteAt("k", 20)!.ShortValue);
        t.MustPut("k", "small", 30, 40);
        Assert.Equal(B("small"), t.WriteAt("k", 40)!.ShortValue);
        t.MustGet("k", 35, big);
    }

    [Fact]
    public void DeleteHidesOlderVersions()
    {
        using var t = new TxnTestContext();
        t.MustPut("k", "v", 10, 20);
        t.MustPrewriteDelete("k", "k", 30);
        t.MustCommit("k", 30, 40);
        t.MustGet("k", 39, "v");
        t.MustGetNone("k", 40);
    }

    [Fact]
    public void OptimisticPrewriteMeetsNewerCommitAsWriteConflict()
    {
        using var t = new TxnTestContext();
        t.MustPut("k", "v1", 15, 20);
        WriteConflict c = Assert.IsType<WriteConflict>(t.PrewritePutErr("k", "v2", "k", 10));
        Assert.Equal(10UL, c.StartTs);
        Assert.Equal(15UL, c.ConflictTs);
        Assert.Equal(20UL, c.ConflictCommitTs);
        Assert.Equal(WriteConflictReason.Optimistic, c.Reason);
        Assert.Equal(B("k"), c.Key);
        // A transaction that started after the commit does not conflict.
        t.MustPrewritePut("k", "v3", "k", 25);
    }

    [Fact]
    public void PrewriteMeetsOtherTransactionsLock()
    {
        using var t = new TxnTestContext();
        t.MustPrewritePut("k", "v", "pk", 10);
        KeyIsLocked e = Assert.IsType<KeyIsLocked>(t.PrewritePutErr("k", "w", "k", 20));
        Assert.Equal(10UL, e.Locked.LockVersion);
        Assert.Equal(B("pk"), e.Locked.PrimaryLock);
        Assert.Equal(MutationOp.Put, e.Locked.LockType);
    }

    [Fact]
    public void AnyErrorInAPrewriteBatchWritesNothing()
    {
        using var t = new TxnTestContext();
        t.MustPrewritePut("b", "v", "b", 10);
        PrewriteResponse r = t.Prewrite([Mutation.Put(B("a"), B("1")), Mutation.Put(B("b"), B("2"))], "a", 20);
        Assert.Single(r.Errors);
        Assert.Null(t.LoadLock("a"));
    }

    [Fact]
    public void ReadsBlockOnLocksAtOrBelowTheirTsOnly()
    {
        using var t = new TxnTestContext();
        t.MustPut("k", "old", 5, 6);
        t.MustPrewritePut("k", "new", "k", 10);
        t.MustGet("k", 9, "old");
        KeyIsLocked e = t.MustGetLocked("k", 10);
        Assert.Equal(10UL, e.Locked.LockVersion);
        // The client resolved the lock as not affecting it: bypass.
        GetResponse bypass = t.Storage.Get(new GetRequest { Key = B("k"), Version = 11, ResolvedLocks = [10] });
        Assert.Null(bypass.Error);
        // Read-committed ignores locks.
        Assert.Null(t.Storage.Get(new GetRequest { Key = B("k"), Version = 11, IsolationLevel = IsolationLevel.Rc }).Error);
        t.MustCommit("k", 10, 12);
        t.MustGet("k", 11, "old");
        t.MustGet("k", 12, "new");
    }

    [Fact]
    public void LockOnlyMutationsDoNotBlockReadsAndCommitAsLockRecords()
    {
        using var t = new TxnTestContext();
        t.MustPut("k", "v", 5, 6);
        PrewriteResponse r = t.Prewrite([Mutation.LockOnly(B("k"))], "k", 10);
        Assert.Empty(r.Errors);
        t.MustGet("k", 20, "v");
        t.MustCommit("k", 10, 15);
        Assert.Equal(WriteType.Lock, t.WriteAt("k", 15)!.Type);
        t.MustGet("k", 20, "v");
    }

    [Fact]
    public void CommitIsIdempotent()
    {
        using var t = new TxnTestContext();
        t.MustPrewritePut("k", "v", "k", 10);
        t.MustCommit("k", 10, 20);
        t.MustCommit("k", 10, 20);
        // TiKV also accepts a repeated commit naming another commit_ts: the transaction is committed.
        t.MustCommit("k", 10, 25);
        Assert.Null(t.WriteAt("k", 25));
    }

    [Fact]
    public void PrewriteIsIdempotent()
    {
        using var t = new TxnTestContext();
        t.MustPrewritePut("k", "v", "k", 10);
        t.MustPrewritePut("k", "v", "k", 10);
        t.MustCommit("k", 10, 20);
        t.MustGet("k", 20, "v");
    }

    [Fact]
    public void CommitAfterRollbackFailsWithTxnLockNotFound()
    {
        using var t = new TxnTestContext();
        t.MustPrewritePut("k", "v", "k", 10);
        t.MustRollback("k", 10);
        TxnLockNotFound e = Assert.IsType<TxnLockNotFound>(t.Commit("k", 10, 20).Error);
        Assert.Equal(B("k"), e.Key);
        t.MustGetNone("k", 30);
        Assert.Equal(WriteType.Rollback, t.WriteAt("k", 10)!.Type);
    }

    [Fact]
    public void RollbackProtectsAgainstALatePrewrite()
    {
        using var t = new TxnTestContext();
        // Rollback arrives before the prewrite (lock missing): a rollback record is written anyway.
        t.MustRollback("k", 10);
        WriteConflict c = Assert.IsType<WriteConflict>(t.PrewritePutErr("k", "v", "k", 10));
        Assert.Equal(WriteConflictReason.SelfRolledBack, c.Reason);
        // Rolling back twice is fine.
        t.MustRollback("k", 10);
    }

    [Fact]
    public void RollbackOfACommittedTransactionFails()
    {
        using var t = new TxnTestContext();
        t.MustPut("k", "v", 10, 20);
        BatchRollbackResponse r = t.Storage.BatchRollback(new BatchRollbackRequest { StartVersion = 10, Keys = [B("k")] });
        TxnAlreadyCommitted e = Assert.IsType<TxnAlreadyCommitted>(r.Error);
        Assert.Equal(20UL, e.CommitTs);
    }

    [Fact]
    public void RollbackRemovesTheLargeValue()
    {
        using var t = new TxnTestContext();
        t.MustPrewritePut("k", new string('y', 600), "k", 10);
        t.MustRollback("k", 10);
        using IKvSnapshot s = t.Engine.GetSnapshot();
        Assert.False(s.TryGet(EngineCf.Default, MvccKey.Append(MvccKey.Encode(B("k")), 10), new System.Buffers.ArrayBufferWriter<byte>()));
    }

    [Fact]
    public void CleanupRespectsTtlAndReportsCommits()
    {
        using var t = new TxnTestContext();
        ulong start = Ts(1000);
        t.MustPrewritePut("k", "v", "k", start, ttl: 100);
        CleanupResponse live = t.Storage.Cleanup(new CleanupRequest { Key = B("k"), StartVersion = start, CurrentTs = Ts(1050) });
        Assert.IsType<KeyIsLocked>(live.Error);
        Assert.NotNull(t.LoadLock("k"));
        CleanupResponse expired = t.Storage.Cleanup(new CleanupRequest { Key = B("k"), StartVersion = start, CurrentTs = Ts(1101) });
        Assert.Null(expired.Error);
        Assert.Null(t.LoadLock("k"));
        Assert.IsType<TxnLockNotFound>(t.Commit("k", start, Ts(1200)).Error);

        t.MustPut("c", "v", Ts(2000), Ts(2001));
        CleanupResponse committed = t.Storage.Cleanup(new CleanupRequest { Key = B("c"), StartVersion = Ts(2000), CurrentTs = Ts(3000) });
        Assert.IsType<TxnAlreadyCommitted>(committed.Error);
        Assert.Equal(Ts(2001), committed.CommitVersion);
    }

    [Fact]
    public void CheckTxnStatusRollsBackAnExpiredPrimary()
    {
        using var t = new TxnTestContext();
        ulong start = Ts(1000);
        t.MustPrewritePut("pk", "v", "pk", start, ttl: 100);
        t.MustPrewritePut("sk", "v", "pk", start, ttl: 100);
        CheckTxnStatusResponse alive = t.CheckTxnStatus("pk", start, 0, Ts(1100));
        Assert.Equal(TxnStatusKind.Uncommitted, alive.Status);
        Assert.Equal(100UL, alive.LockTtl);
        Assert.Equal(CheckTxnStatusAction.NoAction, alive.Action);

        CheckTxnStatusResponse expired = t.CheckTxnStatus("pk", start, 0, Ts(1101));
        Assert.Equal(TxnStatusKind.RolledBack, expired.Status);
        Assert.Equal(CheckTxnStatusAction.TtlExpireRollback, expired.Action);
        Assert.Equal(0UL, expired.LockTtl);
        Assert.True(t.WriteAt("pk", start)!.IsProtected);
        // Later checks see the rollback; the secondary is resolved by rolling it back.
        Assert.Equal(TxnStatusKind.RolledBack, t.CheckTxnStatus("pk", start, 0, Ts(5000)).Status);
        Assert.Null(t.Storage.ResolveLock(new ResolveLockRequest { StartVersion = start, CommitVersion = 0 }).Error);
        Assert.Null(t.LoadLock("sk"));
        Assert.IsType<TxnLockNotFound>(t.Commit("pk", start, Ts(1200)).Error);
    }

    [Fact]
    public void CheckTxnStatusReportsCommits()
    {
        using var t = new TxnTestContext();
        t.MustPut("pk", "v", 10, 20);
        CheckTxnStatusResponse r = t.CheckTxnStatus("pk", 10, 30, 30);
        Assert.Equal(TxnStatusKind.Committed, r.Status);
        Assert.Equal(20UL, r.CommitVersion);
    }

    [Fact]
    public void CheckTxnStatusOnAMissingLock()
    {
        using var t = new TxnTestContext();
        CheckTxnStatusResponse notFound = t.CheckTxnStatus("pk", 10, 0, 30, rollbackIfNotExist: false);
        Assert.IsType<TxnNotFound>(notFound.Error);
        Assert.Null(t.WriteAt("pk", 10));
        CheckTxnStatusResponse rolled = t.CheckTxnStatus("pk", 10, 0, 30, rollbackIfNotExist: true);
        Assert.Equal(CheckTxnStatusAction.LockNotExistRollback, rolled.Action);
        Assert.Equal(TxnStatusKind.RolledBack, rolled.Status);
        // The transaction's prewrite arriving late is refused.
        Assert.Equal(WriteConflictReason.SelfRolledBack, Assert.IsType<WriteConflict>(t.PrewritePutErr("pk", "v", "pk", 10)).Reason);
    }

    [Fact]
    public void CheckTxnStatusPushesMinCommitTsForReaders()
    {
        using var t = new TxnTestContext();
        ulong start = Ts(1000);
        t.MustPrewritePut("pk", "v", "pk", start, ttl: 10_000);
        ulong reader = Ts(1005);
        t.MustGetLocked("pk", reader);
        CheckTxnStatusResponse r = t.CheckTxnStatus("pk", start, reader, Ts(1006));
        Assert.Equal(CheckTxnStatusAction.MinCommitTsPushed, r.Action);
        Assert.Equal(TxnStatusKind.Uncommitted, r.Status);
        Assert.Equal(Ts(1006), t.LoadLock("pk")!.MinCommitTs);
        // The reader now reads around the lock.
        t.MustGetNone("pk", reader);
        // Committing below min_commit_ts is refused.
        CommitTsExpired e = Assert.IsType<CommitTsExpired>(t.Commit("pk", start, Ts(1004)).Error);
        Assert.Equal(Ts(1006), e.MinCommitTs);
        t.MustCommit("pk", start, Ts(1007));
        t.MustGet("pk", Ts(1007), "v");
        // A second push with an older caller does nothing.
    }

    [Fact]
    public void CheckTxnStatusWithWrongPrimaryIsPrimaryMismatch()
    {
        using var t = new TxnTestContext();
        t.MustPrewritePut("sk", "v", "pk", 10);
        Assert.IsType<PrimaryMismatch>(t.CheckTxnStatus("sk", 10, 0, 20).Error);
    }

    [Fact]
    public void HeartBeatExtendsButNeverShortensTtl()
    {
        using var t = new TxnTestContext();
        t.MustPrewritePut("pk", "v", "pk", 10, ttl: 100);
        TxnHeartBeatResponse r = t.Storage.TxnHeartBeat(new TxnHeartBeatRequest { PrimaryLock = B("pk"), StartVersion = 10, AdviseLockTtl = 500 });
        Assert.Equal(500UL, r.LockTtl);
        r = t.Storage.TxnHeartBeat(new TxnHeartBeatRequest { PrimaryLock = B("pk"), StartVersion = 10, AdviseLockTtl = 50 });
        Assert.Equal(500UL, r.LockTtl);
        Assert.Equal(500UL, t.LoadLock("pk")!.Ttl);
        Assert.IsType<TxnNotFound>(t.Storage.TxnHeartBeat(new TxnHeartBeatRequest { PrimaryLock = B("pk"), StartVersion = 11, AdviseLockTtl = 50 }).Error);
    }

    [Fact]
    public void InsertAndCheckNotExistsFailOnExistingValue()
    {
        using var t = new TxnTestContext();
        t.MustPut("k", "v", 10, 20);
        PrewriteResponse r = t.Prewrite([Mutation.Insert(B("k"), B("w"))], "k", 30);
        Assert.IsType<AlreadyExist>(Assert.Single(r.Errors));
        r = t.Prewrite([Mutation.CheckNotExists(B("k"))], "k", 30);
        Assert.IsType<AlreadyExist>(Assert.Single(r.Errors));
        t.MustPrewriteDelete("k", "k", 40);
        t.MustCommit("k", 40, 50);
        r = t.Prewrite([Mutation.Insert(B("k"), B("w")), Mutation.CheckNotExists(B("z"))], "k", 60);
        Assert.Empty(r.Errors);
        Assert.Null(t.LoadLock("z"));
    }

    [Fact]
    public void ScanLockAndResolveLockByScan()
    {
        using var t = new TxnTestContext();
        for (int i = 0; i < 300; i++)
        {
            t.MustPrewritePut($"k{i:D3}", "v", "k000", 10);
        }
        t.MustPrewritePut("other", "v", "other", 50);
        ScanLockResponse locks = t.Storage.ScanLock(new ScanLockRequest { MaxVersion = 20, Limit = 1000 });
        Assert.Equal(300, locks.Locks.Count);
        Assert.Equal(301, t.Storage.ScanLock(new ScanLockRequest { MaxVersion = 100 }).Locks.Count);
        Assert.Equal(5, t.Storage.ScanLock(new ScanLockRequest { MaxVersion = 100, Limit = 5 }).Locks.Count);
        Assert.Null(t.Storage.ResolveLock(new ResolveLockRequest { StartVersion = 10, CommitVersion = 15 }).Error);
        Assert.Single(t.Storage.ScanLock(new ScanLockRequest { MaxVersion = 100 }).Locks);
        t.MustGet("k299", 15, "v");
        t.MustGet("k000", 15, "v");
    }

    [Fact]
    public void PessimisticRollbackRemovesOnlyOlderPessimisticLocks()
    {
        using var t = new TxnTestContext();
        PessimisticLockResponse r = t.Storage.PessimisticLock(new PessimisticLockRequest
        {
            Mutations = [new Mutation(MutationOp.PessimisticLock, B("k"))], PrimaryLock = B("k"), StartVersion = 10, ForUpdateTs = 12, LockTtl = 1000,
        });
        Assert.Empty(r.Errors);
        t.Storage.PessimisticRollback(new PessimisticRollbackRequest { StartVersion = 10, ForUpdateTs = 11, Keys = [B("k")] });
        Assert.NotNull(t.LoadLock("k"));
        t.Storage.PessimisticRollback(new PessimisticRollbackRequest { StartVersion = 10, ForUpdateTs = 12, Keys = [B("k")] });
        Assert.Null(t.LoadLock("k"));
    }
}
