namespace ManagedKv.Txn.Tests.Scheduler;

/// <summary>
/// A minimal Percolator client for tests: reads that resolve the locks they meet (CheckTxnStatus on the primary,
/// CheckSecondaryLocks for async commit, then ResolveLock), as TiKV clients do.
/// </summary>
public sealed class TestClient(TxnStorage storage, TestTso tso)
{
    public TxnStorage Storage => storage;

    public TestTso Tso => tso;

    /// <summary>Resolves <paramref name="lockInfo"/> as seen by a reader at <paramref name="callerStartTs"/>.</summary>
    public void ResolveLock(LockInfo lockInfo, ulong callerStartTs)
    {
        CheckTxnStatusResponse status = storage.CheckTxnStatus(new CheckTxnStatusRequest
        {
            PrimaryKey = lockInfo.PrimaryLock,
            LockTs = lockInfo.LockVersion,
            CallerStartTs = callerStartTs,
            CurrentTs = tso.Next(),
            RollbackIfNotExist = true,
        });
        if (status.ServerIsBusy is not null || status.Error is not null)
        {
            Thread.Sleep(1);
            return;
        }
        if (status.Status == TxnStatusKind.Committed)
        {
            Resolve(lockInfo.LockVersion, status.CommitVersion, [lockInfo.Key]);
        }
        else if (status.Status == TxnStatusKind.RolledBack)
        {
            Resolve(lockInfo.LockVersion, 0, [lockInfo.Key]);
        }
        else if (status.LockInfo is { UseAsyncCommit: true } primary)
        {
            ResolveAsync(primary);
        }
        else if (status.Action != CheckTxnStatusAction.MinCommitTsPushed)
        {
            Thread.Sleep(1);
        }
    }

    private void ResolveAsync(LockInfo primary)
    {
        CheckSecondaryLocksResponse s = storage.CheckSecondaryLocks(new CheckSecondaryLocksRequest { StartVersion = primary.LockVersion, Keys = primary.Secondaries });
        if (s.ServerIsBusy is not null)
        {
            return;
        }
        var all = new List<byte[]>(primary.Secondaries) { primary.Key };
        if (s.CommitTs != 0)
        {
            Resolve(primary.LockVersion, s.CommitTs, all.ToArray());
        }
        else if (s.Locks.Count == primary.Secondaries.Length)
        {
            // Every key is prewritten: the transaction is committed at the largest min_commit_ts.
            ulong commitTs = primary.MinCommitTs;
            foreach (LockInfo l in s.Locks)
            {
                commitTs = Math.Max(commitTs, l.MinCommitTs);
            }
            Resolve(primary.LockVersion, commitTs, all.ToArray());
        }
        else
        {
            Resolve(primary.LockVersion, 0, all.ToArray());
        }
    }

    private void Resolve(ulong startTs, ulong commitTs, byte[][] keys)
    {
        ResolveLockResponse r = storage.ResolveLock(new ResolveLockRequest { StartVersion = startTs, CommitVersion = commitTs, Keys = keys });
        if (r.Error is not null && r.Error is not CommitTsExpired)
        {
            throw new InvalidOperationException($"resolve {startTs} at {commitTs} failed: {r.Error}");
        }
    }

    /// <summary>Scans everything at <paramref name="ts"/>, resolving locks until the scan is clean.</summary>
    public List<KvPair> ScanAll(ulong ts)
    {
        while (true)
        {
            ScanResponse r = storage.Scan(new ScanRequest { Version = ts });
            if (r.Error is KeyIsLocked memoryLocked)
            {
                ResolveLock(memoryLocked.Locked, ts);
                continue;
            }
            bool clean = true;
            foreach (KvPair p in r.Pairs)
            {
                if (p.Error is KeyIsLocked locked)
                {
                    clean = false;
                    ResolveLock(locked.Locked, ts);
                }
            }
            if (clean)
            {
                return r.Pairs;
            }
        }
    }

    /// <summary>Reads <paramref name="key"/> at <paramref name="ts"/>, resolving locks.</summary>
    public byte[]? Get(byte[] key, ulong ts)
    {
        while (true)
        {
            GetResponse r = storage.Get(new GetRequest { Key = key, Version = ts });
            if (r.Error is KeyIsLocked locked)
            {
                ResolveLock(locked.Locked, ts);
                continue;
            }
            return r.NotFound ? null : r.Value;
        }
    }
}
