namespace ManagedKv.Txn;

/// <summary>
/// TxnHeartBeat on the primary: extends the lock's TTL to advise_lock_ttl when that is larger (never shortens it).
/// Fails with TxnNotFound when the transaction holds no lock on the key. REQUIRES: the key's latch is held.
/// </summary>
internal static class TxnHeartBeatAction
{
    public static KeyError? HeartBeat(MvccTxn txn, MvccReader reader, byte[] primaryKey, ulong startTs, ulong adviseTtl, out ulong lockTtl)
    {
        byte[] key = MvccKey.Encode(primaryKey);
        Lock? lockRecord = reader.LoadLock(key);
        if (lockRecord is null || lockRecord.StartTs != startTs)
        {
            lockTtl = 0;
            return new TxnNotFound(startTs, primaryKey);
        }
        if (adviseTtl > lockRecord.Ttl)
        {
            Lock extended = lockRecord.Clone();
            extended.Ttl = adviseTtl;
            txn.PutLock(key, extended);
            lockTtl = adviseTtl;
        }
        else
        {
            lockTtl = lockRecord.Ttl;
        }
        return null;
    }
}
