using System.Buffers;

namespace ManagedKv.Txn;

/// <summary>
/// Snapshot scan of user keys at a timestamp, forward or reverse, merging the lock CF (locks that block the read
/// become per-key errors, as TiKV reports them) with the write CF (newest Put/Delete at or below ts; Lock and
/// Rollback records are skipped). Reverse scans find each key's version with a fresh seek. Single-threaded.
/// </summary>
internal sealed class MvccScanner : IDisposable
{
    private readonly MvccReader _reader;
    private readonly IKvCursor _lockCursor;
    private readonly IKvCursor _writeCursor;
    private readonly ulong _ts;
    private readonly bool _checkLocks;
    private readonly ulong[]? _bypassLocks;
    private readonly ArrayBufferWriter<byte> _value = new(256);

    /// <summary>Scans encoded keys in <c>[lower, upper)</c> (null = unbounded).</summary>
    public MvccScanner(IKvSnapshot snapshot, byte[]? lower, byte[]? upper, ulong ts, bool checkLocks, ulong[]? bypassLocks)
    {
        _reader = new MvccReader(snapshot);
        _lockCursor = snapshot.NewCursor(EngineCf.Lock, lower, upper);
        _writeCursor = snapshot.NewCursor(EngineCf.Write, lower, upper);
        _ts = ts;
        _checkLocks = checkLocks;
        _bypassLocks = bypassLocks;
    }

    /// <summary>Appends up to <paramref name="limit"/> entries (pairs and per-key lock errors) to <paramref name="output"/>.</summary>
    public void Scan(bool reverse, int limit, bool keyOnly, List<KvPair> output)
    {
        if (reverse)
        {
            _lockCursor.SeekToLast();
            _writeCursor.SeekToLast();
        }
        else
        {
            _lockCursor.SeekToFirst();
            _writeCursor.SeekToFirst();
        }
        while (output.Count < limit)
        {
            bool hasLock = _lockCursor.Valid;
            bool hasWrite = _writeCursor.Valid;
            if (!hasLock && !hasWrite)
            {
                return;
            }
            ReadOnlySpan<byte> lockKey = hasLock ? _lockCursor.Key : default;
            ReadOnlySpan<byte> writeKey = hasWrite ? MvccKey.Truncate(_writeCursor.Key) : default;
            // cmp < 0: the lock key comes first in scan order; > 0: the write key does; 0: same user key.
            int cmp;
            if (!hasLock)
            {
                cmp = 1;
            }
            else if (!hasWrite)
            {
                cmp = -1;
            }
            else
            {
                cmp = lockKey.SequenceCompareTo(writeKey);
                if (reverse)
                {
                    cmp = -cmp;
                }
            }
            byte[] current = (cmp <= 0 ? lockKey : writeKey).ToArray();
            bool atWrite = hasWrite && (cmp >= 0);
            KeyIsLocked? error = null;
            byte[]? userKey = null;
            if (cmp <= 0)
            {
                if (_checkLocks)
                {
                    Lock lockRecord = Lock.Decode(_lockCursor.Value, current);
                    userKey = MvccKey.DecodeUserKey(current);
                    error = ReadLockCheck.Check(lockRecord, current, userKey, _ts, _bypassLocks);
                }
                if (reverse)
                {
                    _lockCursor.Prev();
                }
                else
                {
                    _lockCursor.Next();
                }
            }
            if (error is not null)
            {
                output.Add(new KvPair { Key = userKey!, Error = error });
                if (atWrite)
                {
                    SkipVersions(current, reverse);
                }
                continue;
            }
            if (!atWrite)
            {
                continue;
            }
            _value.ResetWrittenCount();
            bool found = _reader.TryGetValue(current, _ts, _value, out ulong commitTs);
            SkipVersions(current, reverse);
            if (found)
            {
                output.Add(new KvPair
                {
                    Key = userKey ?? MvccKey.DecodeUserKey(current),
                    Value = keyOnly ? [] : _value.WrittenSpan.ToArray(),
                    CommitTs = commitTs,
                });
            }
        }
    }

    // Moves the write cursor past every version of the encoded key (forward: after the oldest; reverse: before the newest).
    private void SkipVersions(byte[] key, bool reverse)
    {
        if (reverse)
        {
            _writeCursor.SeekForPrev(key);
            return;
        }
        byte[] last = MvccKey.Append(key, TimeStamp.Zero);
        _writeCursor.Seek(last);
        if (_writeCursor.Valid && _writeCursor.Key.SequenceEqual(last))
        {
            _writeCursor.Next();
        }
    }

    public void Dispose()
    {
        _lockCursor.Dispose();
        _writeCursor.Dispose();
        _reader.Dispose();
    }
}
