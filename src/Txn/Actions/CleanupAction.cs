namespace ManagedKv.Txn;

/// <summary>
/// Rolling a transaction back on one key (TiKV's <c>cleanup</c>, <c>rollback_lock</c> and
/// <c>check_txn_status_missing_lock</c>). A rollback record at start_ts protects against a late prewrite of the
/// same transaction; when another transaction committed exactly at that ts, its record gets the overlapped-rollback
/// flag instead. Fails when the transaction already committed on the key. REQUIRES: the key's latch is held.
/// </summary>
internal static class CleanupAction
{
    /// <summary>
    /// Rolls back <paramref name="startTs"/> on the key. With a non-zero <paramref name="currentTs"/> (KvCleanup), a
    /// live lock (TTL not expired) is reported as KeyIsLocked instead.
    /// </summary>
    public static KeyError? Cleanup(MvccTxn txn, MvccReader reader, byte[] userKey, ulong startTs, ulong currentTs, bool protectRollback)
    {
        byte[] key = MvccKey.Encode(userKey);
        Lock? lockRecord = reader.LoadLock(key);
        if (lockRecord is not null && lockRecord.StartTs == startTs)
        {
            if (currentTs != 0 && !TimeStamp.IsExpired(lockRecord.StartTs, lockRecord.Ttl, currentTs))
            {
                return new KeyIsLocked(lockRecord.ToLockInfo(userKey));
            }
            RollbackLock(txn, reader, key, userKey, lockRecord);
            return null;
        }
        TxnCommitRecord record = RollbackMissingLock(txn, reader, key, startTs, lockRecord, protectRollback);
        if (record.IsCommitted)
        {
            return new TxnAlreadyCommitted { Key = userKey, StartTs = startTs, CommitTs = record.CommitTs };
        }
        return null;
    }

    /// <summary>Removes this transaction's <paramref name="lockRecord"/> and its value, writing a rollback record.</summary>
    public static void RollbackLock(MvccTxn txn, MvccReader reader, byte[] key, byte[] userKey, Lock lockRecord)
    {
        TxnCommitRecord record = reader.GetTxnCommitRecord(key, lockRecord.StartTs);
        if (record.IsCommitted)
        {
            throw new InvalidOperationException(
                $"txn {lockRecord.StartTs} holds a lock on {Convert.ToHexString(userKey)} but is committed at {record.CommitTs}");
        }
        if (lockRecord.Type == LockType.Put && lockRecord.ShortValue is null)
        {
            txn.DeleteValue(key, lockRecord.StartTs);
        }
        if (!record.IsRolledBack)
        {
            // The primary's rollback decides the transaction, so it is always protected (TiKV protects only
            // pessimistic primaries; protecting every primary is stricter and costs one flag byte).
            bool isProtected = userKey.AsSpan().SequenceEqual(lockRecord.Primary);
            WriteRollback(txn, key, lockRecord.StartTs, isProtected, record.OverlappedWrite);
        }
        txn.UnlockKey(key);
    }

    /// <summary>
    /// The transaction's lock is missing on the key: returns its commit record, and when there is none writes a
    /// rollback record (also marking a lock of another, older transaction so its commit keeps the rollback).
    /// </summary>
    public static TxnCommitRecord RollbackMissingLock(MvccTxn txn, MvccReader reader, byte[] key, ulong startTs, Lock? otherLock, bool protect)
    {
        TxnCommitRecord record = reader.GetTxnCommitRecord(key, startTs);
        if (record.Kind != TxnCommitRecordKind.None)
        {
            return record;
        }
        if (otherLock is not null && record.OverlappedWrite is null && protect && otherLock.StartTs < startTs
            && Array.IndexOf(otherLock.RollbackTs, startTs) < 0)
        {
            // The other transaction might commit exactly at startTs (async commit computes its commit_ts); then its
            // commit record would overwrite our rollback record, so it must carry the rollback.
            Lock marked = otherLock.Clone();
            marked.RollbackTs = [.. otherLock.RollbackTs, startTs];
            txn.PutLock(key, marked);
        }
        WriteRollback(txn, key, startTs, protect, record.OverlappedWrite);
        return record;
    }

    private static void WriteRollback(MvccTxn txn, byte[] key, ulong startTs, bool isProtected, Write? overlappedWrite)
    {
        if (overlappedWrite is not null)
        {
            if (isProtected)
            {
                txn.PutWrite(key, startTs, overlappedWrite.WithOverlappedRollback());
            }
            return;
        }
        txn.PutWrite(key, startTs, Write.Rollback(startTs, isProtected));
    }
}
