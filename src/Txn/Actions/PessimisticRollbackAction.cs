namespace ManagedKv.Txn;

/// <summary>
/// PessimisticRollback of one key: removes this transaction's pessimistic lock when its for_update_ts is at most the
/// request's (a newer lock from a retried statement stays). Prewrite locks are left alone. REQUIRES: latch held.
/// </summary>
internal static class PessimisticRollbackAction
{
    public static void Rollback(MvccTxn txn, MvccReader reader, byte[] userKey, ulong startTs, ulong forUpdateTs)
    {
        byte[] key = MvccKey.Encode(userKey);
        Lock? lockRecord = reader.LoadLock(key);
        if (lockRecord is not null && lockRecord.StartTs == startTs && lockRecord.Type == LockType.Pessimistic
            && lockRecord.ForUpdateTs <= forUpdateTs)
        {
            txn.UnlockKey(key);
        }
    }
}
