namespace ManagedKv.Txn;

/// <summary>
/// TiKV's concurrency manager: the largest timestamp any reader has used (<see cref="MaxTs"/>) and the in-memory
/// locks of async-commit and 1PC prewrites while their batch is being written. An async-commit prewrite computes its
/// min_commit_ts from <see cref="MaxTs"/> and publishes its lock in the same critical section; a reader raises
/// <see cref="MaxTs"/> and then checks the in-memory locks. Either the reader sees the lock, or the prewrite saw the
/// reader's ts and commits above it (both sides use full fences: Interlocked). Thread-safe.
/// </summary>
public sealed class ConcurrencyManager
{
    private readonly System.Threading.Lock _gate = new();

    // Guarded by _gate. Encoded key → lock published by a prewrite whose batch is not yet written.
    private readonly Dictionary<byte[], Lock> _memoryLocks = new(ByteArrayComparer.Instance);

    // Invariant: equals _memoryLocks.Count; read without the gate as a fast "no locks" check.
    private int _memoryLockCount;

    private ulong _maxTs;

    public ConcurrencyManager(ulong initialMaxTs = 0)
    {
        _maxTs = initialMaxTs;
    }

    /// <summary>The largest read timestamp seen (never <see cref="TimeStamp.Max"/>).</summary>
    public ulong MaxTs => Interlocked.CompareExchange(ref _maxTs, 0, 0);

    /// <summary>Number of in-memory locks.</summary>
    public int MemoryLockCount => Volatile.Read(ref _memoryLockCount);

    /// <summary>Raises <see cref="MaxTs"/> to <paramref name="ts"/> (a read at <see cref="TimeStamp.Max"/> does not count).</summary>
    public void UpdateMaxTs(ulong ts)
    {
        if (ts == TimeStamp.Max)
        {
            return;
        }
        ulong current = Interlocked.CompareExchange(ref _maxTs, 0, 0);
        while (ts > current)
        {
            ulong seen = Interlocked.CompareExchange(ref _maxTs, ts, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    /// <summary>
    /// Publishes <paramref name="lockRecord"/> for <paramref name="encodedKey"/> and sets its min_commit_ts to
    /// <c>max(floor, MaxTs + 1)</c> atomically with reading <see cref="MaxTs"/>; returns that min_commit_ts.
    /// REQUIRES: the caller holds the key's latch and calls <see cref="RemoveMemoryLock"/> after writing.
    /// </summary>
    internal ulong AddMemoryLock(byte[] encodedKey, Lock lockRecord, ulong floor)
    {
        lock (_gate)
        {
            Interlocked.Increment(ref _memoryLockCount);
            ulong maxTs = Interlocked.CompareExchange(ref _maxTs, 0, 0);
            ulong minCommitTs = Math.Max(floor, TimeStamp.Next(maxTs));
            lockRecord.MinCommitTs = minCommitTs;
            if (!_memoryLocks.TryAdd(encodedKey, lockRecord))
            {
                Interlocked.Decrement(ref _memoryLockCount);
                _memoryLocks[encodedKey] = lockRecord;
            }
            return minCommitTs;
        }
    }

    /// <summary>Removes the in-memory lock of <paramref name="encodedKey"/> (after its batch was written or dropped).</summary>
    internal void RemoveMemoryLock(byte[] encodedKey)
    {
        lock (_gate)
        {
            if (_memoryLocks.Remove(encodedKey))
            {
                Interlocked.Decrement(ref _memoryLockCount);
            }
        }
    }

    /// <summary>
    /// The in-memory lock on <paramref name="encodedKey"/> that blocks a read at <paramref name="ts"/>, or null.
    /// REQUIRES: <see cref="UpdateMaxTs"/>(ts) was called first.
    /// </summary>
    internal KeyIsLocked? ReadKeyCheck(byte[] encodedKey, ulong ts, ulong[]? bypassLocks)
    {
        if (Volatile.Read(ref _memoryLockCount) == 0)
        {
            return null;
        }
        lock (_gate)
        {
            if (_memoryLocks.TryGetValue(encodedKey, out Lock? l))
            {
                return ReadLockCheck.Check(l, encodedKey, null, ts, bypassLocks);
            }
        }
        return null;
    }

    /// <summary>
    /// The first in-memory lock in <c>[start, end)</c> (encoded keys; null end = unbounded) that blocks a read at
    /// <paramref name="ts"/>, or null. REQUIRES: <see cref="UpdateMaxTs"/>(ts) was called first.
    /// </summary>
    internal KeyIsLocked? ReadRangeCheck(byte[]? start, byte[]? end, ulong ts, ulong[]? bypassLocks)
    {
        if (Volatile.Read(ref _memoryLockCount) == 0)
        {
            return null;
        }
        lock (_gate)
        {
            foreach (KeyValuePair<byte[], Lock> e in _memoryLocks)
            {
                if ((start is null || e.Key.AsSpan().SequenceCompareTo(start) >= 0) && (end is null || e.Key.AsSpan().SequenceCompareTo(end) < 0))
                {
                    KeyIsLocked? err = ReadLockCheck.Check(e.Value, e.Key, null, ts, bypassLocks);
                    if (err is not null)
                    {
                        return err;
                    }
                }
            }
        }
        return null;
    }
}
