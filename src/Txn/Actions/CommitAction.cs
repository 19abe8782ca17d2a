namespace ManagedKv.Txn;

/// <summary>
/// Commit of one key (Percolator's second phase): turns this transaction's lock into a write record at commit_ts
/// and removes the lock. Idempotent: a key already committed by the transaction succeeds again. Fails with
/// TxnLockNotFound when the lock is gone and there is no commit record (rolled back), and with CommitTsExpired when
/// commit_ts is below the lock's min_commit_ts. REQUIRES: the key's latch is held.
/// </summary>
internal static class CommitAction
{
    public static KeyError? Commit(MvccTxn txn, MvccReader reader, byte[] userKey, ulong startTs, ulong commitTs)
    {
        byte[] key = MvccKey.Encode(userKey);
        Lock? lockRecord = reader.LoadLock(key);
        if (lockRecord is not null && lockRecord.StartTs == startTs)
        {
            if (lockRecord.Type == LockType.Pessimistic)
            {
                // A pessimistic lock that was never prewritten cannot be committed.
                return new TxnLockNotFound { Key = userKey, StartTs = startTs, CommitTs = commitTs };
            }
            if (commitTs < lockRecord.MinCommitTs)
            {
                return new CommitTsExpired { StartTs = startTs, AttemptedCommitTs = commitTs, Key = userKey, MinCommitTs = lockRecord.MinCommitTs };
            }
            CommitLock(txn, key, lockRecord, commitTs);
            return null;
        }
        TxnCommitRecord record = reader.GetTxnCommitRecord(key, startTs);
        if (record.IsCommitted)
        {
            return null;
        }
        return new TxnLockNotFound { Key = userKey, StartTs = startTs, CommitTs = commitTs };
    }

    /// <summary>Writes the commit record for <paramref name="lockRecord"/> and removes the lock.</summary>
    public static void CommitLock(MvccTxn txn, byte[] key, Lock lockRecord, ulong commitTs)
    {
        WriteCommitRecord(txn, key, lockRecord, commitTs);
        txn.UnlockKey(key);
    }

    /// <summary>Writes the commit record for <paramref name="lockRecord"/> (1PC: the lock was never written).</summary>
    public static void WriteCommitRecord(MvccTxn txn, byte[] key, Lock lockRecord, ulong commitTs)
    {
        WriteType type = lockRecord.Type switch
        {
            LockType.Put => WriteType.Put,
            LockType.Delete => WriteType.Delete,
            _ => WriteType.Lock,
        };
        var write = new Write(type, lockRecord.StartTs, lockRecord.ShortValue)
        {
            HasOverlappedRollback = Array.IndexOf(lockRecord.RollbackTs, commitTs) >= 0,
        };
        txn.PutWrite(key, commitTs, write);
    }
}
