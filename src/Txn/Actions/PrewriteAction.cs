namespace ManagedKv.Txn;

/// <summary>
/// Prewrite of one mutation (Percolator's first phase): lock check, then for optimistic transactions a write
/// conflict check against commits newer than start_ts (and this transaction's own rollback), for pessimistic ones a
/// check that the key holds this transaction's pessimistic lock; constraint checks for Insert/CheckNotExists; then the
/// lock is written (value inlined when at most 255 bytes, else in the default CF at start_ts). With async commit or
/// 1PC, min_commit_ts comes from the concurrency manager's max_ts. REQUIRES: the key's latch is held.
/// </summary>
internal static class PrewriteAction
{
    /// <summary>
    /// Returns null on success and the per-key error otherwise. <paramref name="minCommitTs"/> is the lock's
    /// min_commit_ts for async commit / 1PC (0 when the transaction fell back to 2PC or the key was already
    /// prewritten without async commit).
    /// </summary>
    public static KeyError? Prewrite(
        MvccTxn txn, MvccReader reader, ConcurrencyManager cm, PrewriteProps props, Mutation mutation,
        PessimisticAction pessimisticAction, out ulong minCommitTs)
    {
        minCommitTs = 0;
        byte[] key = MvccKey.Encode(mutation.Key);
        Lock? existing = reader.LoadLock(key);
        bool lockedPessimistically = false;
        if (existing is not null)
        {
            if (existing.StartTs != props.StartTs)
            {
                return new KeyIsLocked(existing.ToLockInfo(mutation.Key));
            }
            if (existing.Type != LockType.Pessimistic)
            {
                // Already prewritten by this transaction: a retried request. Idempotent.
                minCommitTs = existing.UseAsyncCommit ? existing.MinCommitTs : 0;
                return null;
            }
            if (!props.IsPessimistic)
            {
                return new LockTypeNotMatch { Key = mutation.Key, StartTs = props.StartTs, Found = existing.Type };
            }
            lockedPessimistically = true;
        }
        else if (props.IsPessimistic && pessimisticAction == PessimisticAction.DoPessimisticCheck)
        {
            // The pessimistic lock is gone: either this is a retry after the commit, or the lock was rolled back.
            TxnCommitRecord record = reader.GetTxnCommitRecord(key, props.StartTs);
            if (record.IsCommitted)
            {
                return null;
            }
            return new PessimisticLockNotFound { Key = mutation.Key, StartTs = props.StartTs, ForUpdateTs = props.ForUpdateTs };
        }

        if (!lockedPessimistically)
        {
            KeyError? conflict = CheckForNewerVersion(reader, key, mutation.Key, props);
            if (conflict is not null)
            {
                return conflict;
            }
        }
        bool shouldNotExist = mutation.Op is MutationOp.Insert or MutationOp.CheckNotExists;
        if (shouldNotExist && !props.SkipConstraintCheck && (!lockedPessimistically || pessimisticAction == PessimisticAction.DoConstraintCheck))
        {
            Write? latest = reader.GetWrite(key, TimeStamp.Max, out _);
            if (latest is { Type: WriteType.Put })
            {
                return new AlreadyExist(mutation.Key);
            }
        }
        if (mutation.Op == MutationOp.CheckNotExists)
        {
            return null;
        }

        LockType type = mutation.Op switch
        {
            MutationOp.Put or MutationOp.Insert => LockType.Put,
            MutationOp.Del => LockType.Delete,
            MutationOp.Lock => LockType.Lock,
            _ => throw new ArgumentException($"mutation op {mutation.Op} cannot be prewritten", nameof(mutation)),
        };
        var lockRecord = new Lock(type, props.Primary, props.StartTs, props.LockTtl)
        {
            ForUpdateTs = props.ForUpdateTs,
            TxnSize = props.TxnSize,
            MinCommitTs = props.MinCommitTs,
        };
        if (existing is not null)
        {
            // Keep what the pessimistic lock accumulated (a longer TTL from heart beats, rollbacks seen).
            lockRecord.Ttl = Math.Max(lockRecord.Ttl, existing.Ttl);
            lockRecord.RollbackTs = existing.RollbackTs;
        }
        if (type == LockType.Put)
        {
            if (mutation.Value.Length <= MvccFormat.ShortValueMaxLength)
            {
                lockRecord.ShortValue = mutation.Value;
            }
            else
            {
                txn.PutValue(key, props.StartTs, mutation.Value);
            }
        }

        if (props.ComputesCommitTs)
        {
            if (props.UseAsyncCommit)
            {
                lockRecord.UseAsyncCommit = true;
                if (mutation.Key.AsSpan().SequenceEqual(props.Primary))
                {
                    lockRecord.Secondaries = props.Secondaries;
                }
            }
            ulong floor = Math.Max(Math.Max(TimeStamp.Next(props.StartTs), TimeStamp.Next(props.ForUpdateTs)), props.MinCommitTs);
            minCommitTs = cm.AddMemoryLock(key, lockRecord, floor);
            txn.MemoryLockKeys.Add(key);
            if (props.MaxCommitTs != 0 && minCommitTs > props.MaxCommitTs)
            {
                // Fall back to a normal two-phase commit: a plain lock, committed with a TSO commit_ts.
                lockRecord = lockRecord.Clone();
                lockRecord.UseAsyncCommit = false;
                lockRecord.Secondaries = [];
                lockRecord.MinCommitTs = Math.Max(props.MinCommitTs, TimeStamp.Next(props.StartTs));
                minCommitTs = 0;
                txn.FellBackTo2pc = true;
                txn.PutLock(key, lockRecord);
                return null;
            }
            if (props.TryOnePc)
            {
                if (existing is not null)
                {
                    // The pessimistic lock is replaced by the commit record, not by a prewrite lock.
                    txn.UnlockKey(key);
                }
                txn.LocksFor1pc.Add((key, lockRecord));
                return null;
            }
        }
        txn.PutLock(key, lockRecord);
        return null;
    }

    // Optimistic: any write newer than start_ts conflicts, as does this transaction's own rollback record.
    // Pessimistic, key not locked: a write newer than for_update_ts conflicts.
    private static KeyError? CheckForNewerVersion(MvccReader reader, byte[] key, byte[] userKey, PrewriteProps props)
    {
        if (!reader.SeekWrite(key, TimeStamp.Max, out ulong commitTs, out WriteRef w))
        {
            return null;
        }
        ulong bound = props.IsPessimistic ? props.ForUpdateTs : props.StartTs;
        if (commitTs > bound)
        {
            return new WriteConflict
            {
                StartTs = props.StartTs,
                ConflictTs = w.StartTs,
                ConflictCommitTs = commitTs,
                Key = userKey,
                Primary = props.Primary,
                Reason = props.IsPessimistic ? WriteConflictReason.NotLockedKeyConflict : WriteConflictReason.Optimistic,
            };
        }
        if (commitTs == props.StartTs && (w.Type == WriteType.Rollback || w.HasOverlappedRollback))
        {
            return SelfRolledBack(props.StartTs, commitTs, userKey, props.Primary);
        }
        if (commitTs > props.StartTs)
        {
            // Pessimistic transaction: a rollback of this transaction may sit below newer commits.
            Write? atStart = reader.GetWriteAt(key, props.StartTs);
            if (atStart is not null && (atStart.Type == WriteType.Rollback || atStart.HasOverlappedRollback))
            {
                return SelfRolledBack(props.StartTs, props.StartTs, userKey, props.Primary);
            }
        }
        return null;
    }

    internal static WriteConflict SelfRolledBack(ulong startTs, ulong commitTs, byte[] userKey, byte[] primary) => new()
    {
        StartTs = startTs,
        ConflictTs = startTs,
        ConflictCommitTs = commitTs,
        Key = userKey,
        Primary = primary,
        Reason = WriteConflictReason.SelfRolledBack,
    };
}
