using System.Buffers;

namespace ManagedKv.Txn;

/// <summary>
/// PessimisticLock of one key (TiKV's <c>acquire_pessimistic_lock</c>): fails on another transaction's lock
/// (KeyIsLocked; the scheduler may wait), on a commit newer than for_update_ts (WriteConflict PessimisticRetry), on a
/// rollback of this transaction (SelfRolledBack), on an existing value for Insert; otherwise writes (or refreshes)
/// a pessimistic lock. Pessimistic locks do not block reads. REQUIRES: the key's latch is held.
/// </summary>
internal static class AcquirePessimisticLockAction
{
    public static KeyError? Acquire(
        MvccTxn txn, MvccReader reader, byte[] userKey, byte[] primary, ulong startTs, ulong forUpdateTs, ulong ttl,
        ulong minCommitTs, bool shouldNotExist, bool needValue, ArrayBufferWriter<byte> valueBuffer, out bool hasValue)
    {
        hasValue = false;
        byte[] key = MvccKey.Encode(userKey);
        Lock? existing = reader.LoadLock(key);
        if (existing is not null)
        {
            if (existing.StartTs != startTs)
            {
                return new KeyIsLocked(existing.ToLockInfo(userKey));
            }
            if (existing.Type != LockType.Pessimistic)
            {
                return new LockTypeNotMatch { Key = userKey, StartTs = startTs, Found = existing.Type };
            }
            if (forUpdateTs > existing.ForUpdateTs || ttl > existing.Ttl)
            {
                Lock refreshed = existing.Clone();
                refreshed.ForUpdateTs = Math.Max(forUpdateTs, existing.ForUpdateTs);
                refreshed.Ttl = Math.Max(ttl, existing.Ttl);
                txn.PutLock(key, refreshed);
            }
            if (needValue)
            {
                hasValue = reader.TryGetValue(key, TimeStamp.Max, valueBuffer, out _);
            }
            return null;
        }

        if (reader.SeekWrite(key, TimeStamp.Max, out ulong commitTs, out WriteRef w))
        {
            if (commitTs > forUpdateTs)
            {
                return new WriteConflict
                {
                    StartTs = startTs,
                    ConflictTs = w.StartTs,
                    ConflictCommitTs = commitTs,
                    Key = userKey,
                    Primary = primary,
                    Reason = WriteConflictReason.PessimisticRetry,
                };
            }
            if (commitTs == startTs && (w.Type == WriteType.Rollback || w.HasOverlappedRollback))
            {
                return PrewriteAction.SelfRolledBack(startTs, commitTs, userKey, primary);
            }
            if (commitTs > startTs)
            {
                Write? atStart = reader.GetWriteAt(key, startTs);
                if (atStart is not null && (atStart.Type == WriteType.Rollback || atStart.HasOverlappedRollback))
                {
                    return PrewriteAction.SelfRolledBack(startTs, startTs, userKey, primary);
                }
            }
        }
        if (shouldNotExist || needValue)
        {
            bool exists = reader.TryGetValue(key, TimeStamp.Max, valueBuffer, out _);
            if (exists && shouldNotExist)
            {
                return new AlreadyExist(userKey);
            }
            hasValue = exists && needValue;
        }
        var lockRecord = new Lock(LockType.Pessimistic, primary, startTs, ttl)
        {
            ForUpdateTs = forUpdateTs,
            MinCommitTs = minCommitTs,
        };
        txn.PutLock(key, lockRecord);
        return null;
    }
}
