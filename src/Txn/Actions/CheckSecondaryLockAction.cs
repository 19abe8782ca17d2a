namespace ManagedKv.Txn;

/// <summary>
/// CheckSecondaryLocks on one key of an async-commit transaction: a prewrite lock is reported; a pessimistic lock
/// (never prewritten) or a missing lock without a commit record means the transaction cannot have committed, so a
/// protected rollback is written and RolledBack reported. REQUIRES: the key's latch is held.
/// </summary>
internal static class CheckSecondaryLockAction
{
    public static SecondaryLockStatus Check(MvccTxn txn, MvccReader reader, byte[] userKey, ulong startTs, out Lock? lockRecord, out ulong commitTs)
    {
        commitTs = 0;
        byte[] key = MvccKey.Encode(userKey);
        Lock? existing = reader.LoadLock(key);
        if (existing is not null && existing.StartTs == startTs)
        {
            if (existing.Type != LockType.Pessimistic)
            {
                lockRecord = existing;
                return SecondaryLockStatus.Locked;
            }
            txn.UnlockKey(key);
            existing = null;
        }
        lockRecord = null;
        TxnCommitRecord record = CleanupAction.RollbackMissingLock(txn, reader, key, startTs, existing, protect: true);
        if (record.IsCommitted)
        {
            commitTs = record.CommitTs;
            return SecondaryLockStatus.Committed;
        }
        return SecondaryLockStatus.RolledBack;
    }
}
