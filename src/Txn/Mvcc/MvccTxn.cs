using System.Buffers;

namespace ManagedKv.Txn;

/// <summary>
/// The modifications one command makes, accumulated into a <see cref="KvWriteBatch"/> that the scheduler writes
/// atomically, plus what must happen around the write (async-commit memory locks to release, 1PC locks to turn into
/// commit records, whether any lock was released so lock waiters should retry). Keys are encoded user keys.
/// Single-threaded: owned by one command execution.
/// </summary>
internal sealed class MvccTxn
{
    private byte[] _scratch = new byte[512];

    public MvccTxn(ulong startTs)
    {
        StartTs = startTs;
    }

    public ulong StartTs { get; }

    public KvWriteBatch Batch { get; } = new(512);

    /// <summary>Encoded keys holding an in-memory lock in the concurrency manager until the batch is written.</summary>
    public List<byte[]> MemoryLockKeys { get; } = new();

    /// <summary>Locks a 1PC prewrite would have written; turned into commit records at the final commit_ts.</summary>
    public List<(byte[] Key, Lock Lock)> LocksFor1pc { get; } = new();

    /// <summary>An async-commit or 1PC prewrite needed a commit_ts above max_commit_ts and wrote a plain lock.</summary>
    public bool FellBackTo2pc { get; set; }

    /// <summary>True when the batch deletes a lock (waiters for locks should retry after the write).</summary>
    public bool ReleasedLocks { get; private set; }

    public void PutLock(byte[] key, Lock lockRecord)
    {
        int length = lockRecord.EncodedLength;
        if (length <= _scratch.Length)
        {
            int n = lockRecord.Encode(_scratch);
            Batch.Put(EngineCf.Lock, key, _scratch.AsSpan(0, n));
        }
        else
        {
            Batch.Put(EngineCf.Lock, key, lockRecord.Encode());
        }
    }

    public void UnlockKey(byte[] key)
    {
        Batch.Delete(EngineCf.Lock, key);
        ReleasedLocks = true;
    }

    public void PutValue(byte[] key, ulong startTs, ReadOnlySpan<byte> value)
    {
        Span<byte> vk = VersionKey(key, startTs);
        Batch.Put(EngineCf.Default, vk, value);
    }

    public void DeleteValue(byte[] key, ulong startTs)
    {
        Batch.Delete(EngineCf.Default, VersionKey(key, startTs));
    }

    public void PutWrite(byte[] key, ulong commitTs, Write write)
    {
        int keyLength = key.Length + MvccKey.TsLength;
        int length = keyLength + write.EncodedLength;
        byte[]? rented = null;
        Span<byte> buffer = length <= _scratch.Length ? _scratch : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            MvccKey.Append(key, commitTs, buffer);
            int n = write.Encode(buffer[keyLength..]);
            Batch.Put(EngineCf.Write, buffer[..keyLength], buffer.Slice(keyLength, n));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    public void DeleteWrite(byte[] key, ulong commitTs)
    {
        Batch.Delete(EngineCf.Write, VersionKey(key, commitTs));
    }

    private Span<byte> VersionKey(byte[] key, ulong ts)
    {
        if (key.Length + MvccKey.TsLength > _scratch.Length)
        {
            _scratch = new byte[key.Length + MvccKey.TsLength + 256];
        }
        int n = MvccKey.Append(key, ts, _scratch);
        return _scratch.AsSpan(0, n);
    }
}
