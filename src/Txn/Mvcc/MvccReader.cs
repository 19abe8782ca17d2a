using System.Buffers;

namespace ManagedKv.Txn;

/// <summary>
/// Reads MVCC data from one engine snapshot: locks, write records (newest first per key), values in the default CF.
/// Keys passed in are encoded user keys (<see cref="MvccKey.Encode"/>). Owns its cursors; not thread-safe (one per
/// command or read request). Dispose it; the snapshot stays owned by the caller.
/// </summary>
internal sealed class MvccReader : IDisposable
{
    private readonly IKvSnapshot _snapshot;
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly byte[] _seekKey = new byte[256];
    private IKvCursor? _writeCursor;

    public MvccReader(IKvSnapshot snapshot)
    {
        _snapshot = snapshot;
    }

    public IKvSnapshot Snapshot => _snapshot;

    /// <summary>The lock on <paramref name="key"/>, or null.</summary>
    public Lock? LoadLock(ReadOnlySpan<byte> key)
    {
        _buffer.ResetWrittenCount();
        if (!_snapshot.TryGet(EngineCf.Lock, key, _buffer))
        {
            return null;
        }
        return Lock.Decode(_buffer.WrittenSpan, key);
    }

    /// <summary>
    /// Positions on the newest write record of <paramref name="key"/> with commit_ts &lt;= <paramref name="ts"/>.
    /// The returned <paramref name="write"/> views the cursor and is valid until the next reader call.
    /// </summary>
    public bool SeekWrite(ReadOnlySpan<byte> key, ulong ts, out ulong commitTs, out WriteRef write)
    {
        IKvCursor c = WriteCursor();
        c.Seek(VersionKey(key, ts));
        return Current(c, key, out commitTs, out write);
    }

    /// <summary>Moves to the next older version of the same key after <see cref="SeekWrite"/>.</summary>
    public bool NextWrite(ReadOnlySpan<byte> key, out ulong commitTs, out WriteRef write)
    {
        IKvCursor c = WriteCursor();
        c.Next();
        return Current(c, key, out commitTs, out write);
    }

    /// <summary>
    /// The newest Put or Delete of <paramref name="key"/> with commit_ts &lt;= <paramref name="ts"/>, skipping Lock and
    /// Rollback records; null when none.
    /// </summary>
    public Write? GetWrite(ReadOnlySpan<byte> key, ulong ts, out ulong commitTs)
    {
        bool found = SeekWrite(key, ts, out commitTs, out WriteRef w);
        while (found)
        {
            if (w.Type is WriteType.Put or WriteType.Delete)
            {
                return w.ToWrite();
            }
            found = NextWrite(key, out commitTs, out w);
        }
        commitTs = 0;
        return null;
    }

    /// <summary>
    /// Writes the value of <paramref name="key"/> visible at <paramref name="ts"/> into <paramref name="value"/>;
    /// false when the key has no value at that ts.
    /// </summary>
    public bool TryGetValue(ReadOnlySpan<byte> key, ulong ts, IBufferWriter<byte> value, out ulong commitTs)
    {
        bool found = SeekWrite(key, ts, out commitTs, out WriteRef w);
        while (found)
        {
            switch (w.Type)
            {
                case WriteType.Put:
                    if (w.HasShortValue)
                    {
                        value.Write(w.ShortValue);
                        return true;
                    }
                    ulong startTs = w.StartTs;
                    if (!TryLoadData(key, startTs, value))
                    {
                        throw new MvccFormatException(MvccFormat.WriteCf, VersionKey(key, commitTs), 0,
                            $"default CF value of the put at start_ts {startTs} is missing");
                    }
                    return true;
                case WriteType.Delete:
                    commitTs = 0;
                    return false;
                default:
                    found = NextWrite(key, out commitTs, out w);
                    break;
            }
        }
        commitTs = 0;
        return false;
    }

    /// <summary>The value of a put stored in the default CF at <paramref name="startTs"/>.</summary>
    public bool TryLoadData(ReadOnlySpan<byte> key, ulong startTs, IBufferWriter<byte> value) =>
        _snapshot.TryGet(EngineCf.Default, VersionKey(key, startTs), value);

    /// <summary>The write record at exactly <paramref name="commitTs"/>, or null.</summary>
    public Write? GetWriteAt(ReadOnlySpan<byte> key, ulong commitTs)
    {
        _buffer.ResetWrittenCount();
        ReadOnlySpan<byte> vk = VersionKey(key, commitTs);
        if (!_snapshot.TryGet(EngineCf.Write, vk, _buffer))
        {
            return null;
        }
        return WriteRef.Parse(_buffer.WrittenSpan, vk).ToWrite();
    }

    /// <summary>
    /// Finds the commit or rollback record of the transaction <paramref name="startTs"/> on <paramref name="key"/>
    /// by walking versions from the newest down to start_ts.
    /// </summary>
    public TxnCommitRecord GetTxnCommitRecord(ReadOnlySpan<byte> key, ulong startTs)
    {
        Write? overlapped = null;
        bool found = SeekWrite(key, TimeStamp.Max, out ulong commitTs, out WriteRef w);
        while (found && commitTs >= startTs)
        {
            if (w.StartTs == startTs)
            {
                return w.Type == WriteType.Rollback
                    ? new TxnCommitRecord(TxnCommitRecordKind.RolledBack, commitTs, w.ToWrite(), null)
                    : new TxnCommitRecord(TxnCommitRecordKind.Committed, commitTs, w.ToWrite(), null);
            }
            if (commitTs == startTs)
            {
                if (w.HasOverlappedRollback)
                {
                    return new TxnCommitRecord(TxnCommitRecordKind.OverlappedRollback, commitTs, w.ToWrite(), null);
                }
                overlapped = w.ToWrite();
            }
            found = NextWrite(key, out commitTs, out w);
        }
        return new TxnCommitRecord(TxnCommitRecordKind.None, 0, null, overlapped);
    }

    public void Dispose() => _writeCursor?.Dispose();

    // Every use of the write cursor stays within one user key's versions (seek to key ‖ ~ts, then Next while
    // IsVersionOf), so it is a prefix cursor: the write CF's prefix bloom skips memtables and SSTs without the key.
    private IKvCursor WriteCursor() => _writeCursor ??= _snapshot.NewPrefixCursor(EngineCf.Write);

    private static bool Current(IKvCursor c, ReadOnlySpan<byte> key, out ulong commitTs, out WriteRef write)
    {
        if (c.Valid)
        {
            ReadOnlySpan<byte> k = c.Key;
            if (MvccKey.IsVersionOf(k, key))
            {
                commitTs = MvccKey.DecodeTs(k);
                write = WriteRef.Parse(c.Value, k);
                return true;
            }
        }
        commitTs = 0;
        write = default;
        return false;
    }

    private ReadOnlySpan<byte> VersionKey(ReadOnlySpan<byte> key, ulong ts)
    {
        if (key.Length + MvccKey.TsLength <= _seekKey.Length)
        {
            int n = MvccKey.Append(key, ts, _seekKey);
            return _seekKey.AsSpan(0, n);
        }
        return MvccKey.Append(key, ts);
    }
}
