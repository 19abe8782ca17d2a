using static ManagedKv.Txn.Tests.TxnTestContext;

namespace ManagedKv.Txn.Tests.Actions;

public sealed class PessimisticTests
{
    private static PessimisticLockResponse Lock(TxnTestContext t, string key, string primary, ulong startTs, ulong forUpdateTs,
        long waitMs = 0, bool returnValues = false, MutationOp op = MutationOp.PessimisticLock) =>
        t.Storage.PessimisticLock(new PessimisticLockRequest
        {
            Mutations = [new Mutation(op, B(key))],
            PrimaryLock = B(primary),
            StartVersion = startTs,
            ForUpdateTs = forUpdateTs,
            LockTtl = 3000,
            WaitTimeout = waitMs,
            ReturnValues = returnValues,
        });

    [Fact]
    public void LockPrewriteCommit()
    {
        using var t = new TxnTestContext();
        t.MustPut("k", "v0", 1, 2);
        PessimisticLockResponse l = Lock(t, "k", "k", 10, 10, returnValues: true);
        Assert.Empty(l.Errors);
        Assert.Equal(B("v0"), Assert.Single(l.Values));
        Assert.Equal(LockType.Pessimistic, t.LoadLock("k")!.Type);
        // Pessimistic locks do not block readers.
        t.MustGet("k", 11, "v0");
        PrewriteResponse p = t.Prewrite([Mutation.Put(B("k"), B("v1"))], "k", 10, forUpdateTs: 10, actions: [PessimisticAction.DoPessimisticCheck]);
        Assert.Empty(p.Errors);
        Assert.Equal(LockType.Put, t.LoadLock("k")!.Type);
        Assert.Equal(10UL, t.LoadLock("k")!.ForUpdateTs);
        t.MustCommit("k", 10, 20);
        t.MustGet("k", 20, "v1");
    }

    [Fact]
    public void NewerCommitThanForUpdateTsIsPessimisticRetry()
    {
        using var t = new TxnTestContext();
        t.MustPut("k", "v", 15, 20);
        WriteConflict c = Assert.IsType<WriteConflict>(Assert.Single(Lock(t, "k", "k", 10, 10).Errors));
        Assert.Equal(WriteConflictReason.PessimisticRetry, c.Reason);
        Assert.Equal(20UL, c.ConflictCommitTs);
        // Retrying with a newer for_update_ts succeeds (the start_ts stays).
        Assert.Empty(Lock(t, "k", "k", 10, 25).Errors);
        Assert.Equal(25UL, t.LoadLock("k")!.ForUpdateTs);
        // Locking again with an older for_update_ts keeps the newer one.
        Assert.Empty(Lock(t, "k", "k", 10, 22).Errors);
        Assert.Equal(25UL, t.LoadLock("k")!.ForUpdateTs);
    }

    [Fact]
    public void PessimisticLockAfterRollbackIsSelfRolledBack()
    {
        using var t = new TxnTestContext();
        t.MustRollback("k", 10);
        WriteConflict c = Assert.IsType<WriteConflict>(Assert.Single(Lock(t, "k", "k", 10, 12).Errors));
        Assert.Equal(WriteConflictReason.SelfRolledBack, c.Reason);
    }

    [Fact]
    public void PessimisticPrewriteWithoutItsLockFails()
    {
        using var t = new TxnTestContext();
        PrewriteResponse p = t.Prewrite([Mutation.Put(B("k"), B("v"))], "k", 10, forUpdateTs: 10, actions: [PessimisticAction.DoPessimisticCheck]);
        Assert.IsType<PessimisticLockNotFound>(Assert.Single(p.Errors));
    }

    [Fact]
    public void RetriedPessimisticPrewriteAfterCommitSucceeds()
    {
        using var t = new TxnTestContext();
        Assert.Empty(Lock(t, "k", "k", 10, 10).Errors);
        Assert.Empty(t.Prewrite([Mutation.Put(B("k"), B("v"))], "k", 10, forUpdateTs: 10, actions: [PessimisticAction.DoPessimisticCheck]).Errors);
        t.MustCommit("k", 10, 20);
        Assert.Empty(t.Prewrite([Mutation.Put(B("k"), B("v"))], "k", 10, forUpdateTs: 10, actions: [PessimisticAction.DoPessimisticCheck]).Errors);
        Assert.Null(t.LoadLock("k"));
    }

    [Fact]
    public void NotLockedKeyOfPessimisticTxnConflictsAboveForUpdateTs()
    {
        using var t = new TxnTestContext();
        t.MustPut("k", "v", 12, 14);
        PrewriteResponse p = t.Prewrite([Mutation.Put(B("k"), B("v2"))], "k", 10, forUpdateTs: 13, actions: [PessimisticAction.SkipPessimisticCheck]);
        Assert.Equal(WriteConflictReason.NotLockedKeyConflict, Assert.IsType<WriteConflict>(Assert.Single(p.Errors)).Reason);
        p = t.Prewrite([Mutation.Put(B("k"), B("v2"))], "k", 10, forUpdateTs: 15, actions: [PessimisticAction.SkipPessimisticCheck]);
        Assert.Empty(p.Errors);
    }

    [Fact]
    public void InsertLockFailsWhenTheKeyExists()
    {
        using var t = new TxnTestContext();
        t.MustPut("k", "v", 1, 2);
        Assert.IsType<AlreadyExist>(Assert.Single(Lock(t, "k", "k", 10, 10, op: MutationOp.Insert).Errors));
        Assert.Null(t.LoadLock("k"));
    }

    [Fact]
    public void FailFastOnLockedKeyAndWaitUntilReleased()
    {
        using var t = new TxnTestContext();
        Assert.Empty(Lock(t, "k", "k", 10, 10).Errors);
        KeyIsLocked locked = Assert.IsType<KeyIsLocked>(Assert.Single(Lock(t, "k", "k", 20, 20).Errors));
        Assert.Equal(10UL, locked.Locked.LockVersion);

        // A waiter gets the lock once the holder commits.
        var waiter = Task.Run(() => Lock(t, "k", "k", 20, 30, waitMs: 10_000));
        Thread.Sleep(100);
        Assert.False(waiter.IsCompleted);
        Assert.Empty(t.Prewrite([Mutation.Put(B("k"), B("a"))], "k", 10, forUpdateTs: 10, actions: [PessimisticAction.DoPessimisticCheck]).Errors);
        t.MustCommit("k", 10, 25);
        PessimisticLockResponse r = waiter.Wait(TimeSpan.FromSeconds(10)) ? waiter.Result : throw new TimeoutException();
        Assert.Empty(r.Errors);
        Assert.Equal(20UL, t.LoadLock("k")!.StartTs);

        // A waiter whose timeout passes gets the lock error.
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.IsType<KeyIsLocked>(Assert.Single(Lock(t, "k", "k", 40, 40, waitMs: 200).Errors));
        Assert.True(sw.ElapsedMilliseconds >= 150, $"waited only {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void ExpiredPessimisticPrimaryIsRemovedWhenResolvingPessimisticLocks()
    {
        using var t = new TxnTestContext();
        ulong start = Ts(1000);
        t.Storage.PessimisticLock(new PessimisticLockRequest
        {
            Mutations = [new Mutation(MutationOp.PessimisticLock, B("k"))], PrimaryLock = B("k"), StartVersion = start, ForUpdateTs = start, LockTtl = 10,
        });
        CheckTxnStatusResponse r = t.Storage.CheckTxnStatus(new CheckTxnStatusRequest
        {
            PrimaryKey = B("k"), LockTs = start, CurrentTs = Ts(2000), RollbackIfNotExist = true, ResolvingPessimisticLock = true,
        });
        Assert.Equal(CheckTxnStatusAction.TtlExpirePessimisticRollback, r.Action);
        Assert.Null(t.LoadLock("k"));
        Assert.Null(t.WriteAt("k", start));
    }
}
