namespace ManagedKv.Txn;

/// <summary>
/// CheckTxnStatus on the primary key (TiKV's <c>check_txn_status_lock_exists</c> / <c>_missing_lock</c>): an
/// expired primary lock (physical part of start_ts + TTL &lt; current_ts) is rolled back; a live one has its
/// min_commit_ts pushed past the caller's start_ts so the caller can read around it; a missing lock is looked up in
/// the write CF and, when the transaction left no record, rolled back (rollback_if_not_exist) or reported as
/// TxnNotFound. An async-commit lock is only reported (the caller checks the secondaries) unless force_sync_commit.
/// REQUIRES: the primary's latch is held.
/// </summary>
internal static class CheckTxnStatusRule
{
    public static KeyError? Check(
        MvccTxn txn, MvccReader reader, byte[] primaryKey, ulong lockTs, ulong callerStartTs, ulong currentTs,
        bool rollbackIfNotExist, bool forceSyncCommit, bool resolvingPessimisticLock, out CheckTxnStatusResult result)
    {
        byte[] key = MvccKey.Encode(primaryKey);
        Lock? lockRecord = reader.LoadLock(key);
        if (lockRecord is not null && lockRecord.StartTs == lockTs)
        {
            if (!lockRecord.Primary.AsSpan().SequenceEqual(primaryKey))
            {
                result = default;
                return new PrimaryMismatch(lockRecord.ToLockInfo(primaryKey));
            }
            if (lockRecord.UseAsyncCommit && !forceSyncCommit)
            {
                result = new CheckTxnStatusResult(TxnStatusKind.Uncommitted, CheckTxnStatusAction.NoAction, lockRecord.Ttl, 0, lockRecord);
                return null;
            }
            if (TimeStamp.IsExpired(lockRecord.StartTs, lockRecord.Ttl, currentTs))
            {
                if (resolvingPessimisticLock && lockRecord.Type == LockType.Pessimistic)
                {
                    txn.UnlockKey(key);
                    result = new CheckTxnStatusResult(TxnStatusKind.RolledBack, CheckTxnStatusAction.TtlExpirePessimisticRollback, 0, 0, null);
                    return null;
                }
                CleanupAction.RollbackLock(txn, reader, key, primaryKey, lockRecord);
                result = new CheckTxnStatusResult(TxnStatusKind.RolledBack, CheckTxnStatusAction.TtlExpireRollback, 0, 0, null);
                return null;
            }
            CheckTxnStatusAction action = CheckTxnStatusAction.NoAction;
            if (callerStartTs != TimeStamp.Zero && callerStartTs != TimeStamp.Max
                && lockRecord.Type != LockType.Pessimistic && lockRecord.MinCommitTs <= callerStartTs)
            {
                Lock pushed = lockRecord.Clone();
                pushed.MinCommitTs = Math.Max(TimeStamp.Next(callerStartTs), currentTs);
                txn.PutLock(key, pushed);
                lockRecord = pushed;
                action = CheckTxnStatusAction.MinCommitTsPushed;
            }
            result = new CheckTxnStatusResult(TxnStatusKind.Uncommitted, action, lockRecord.Ttl, 0, lockRecord);
            return null;
        }

        TxnCommitRecord record = reader.GetTxnCommitRecord(key, lockTs);
        switch (record.Kind)
        {
            case TxnCommitRecordKind.Committed:
                result = new CheckTxnStatusResult(TxnStatusKind.Committed, CheckTxnStatusAction.NoAction, 0, record.CommitTs, null);
                return null;
            case TxnCommitRecordKind.RolledBack:
            case TxnCommitRecordKind.OverlappedRollback:
                result = new CheckTxnStatusResult(TxnStatusKind.RolledBack, CheckTxnStatusAction.NoAction, 0, 0, null);
                return null;
        }
        if (!rollbackIfNotExist)
        {
            result = default;
            return new TxnNotFound(lockTs, primaryKey);
        }
        if (resolvingPessimisticLock)
        {
            result = new CheckTxnStatusResult(TxnStatusKind.RolledBack, CheckTxnStatusAction.LockNotExistDoNothing, 0, 0, null);
            return null;
        }
        CleanupAction.RollbackMissingLock(txn, reader, key, lockTs, lockRecord, protect: true);
        result = new CheckTxnStatusResult(TxnStatusKind.RolledBack, CheckTxnStatusAction.LockNotExistRollback, 0, 0, null);
        return null;
    }
}
