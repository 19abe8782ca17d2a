using ManagedKv.Lsm.Db;
using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Keys;
using ValueType = ManagedKv.Lsm.Keys.ValueType;
using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm;

/// <summary>
/// A cursor over the user keys of one column family as of a sequence number (a snapshot, or the latest write when
/// the iterator was created), moving both ways within optional bounds. Shows the newest visible version of each key
/// and hides deleted keys (leveldb's DBIter). Pins the memtables and files it reads until disposed.
/// Not thread-safe: one thread uses an iterator at a time. Key and Value stay valid until the next move.
/// With <see cref="ReadOptions.PrefixSameAsStart"/> (and a prefix extractor) it becomes invalid once the prefix of the
/// key differs from the prefix the last seek started in, and its seeks skip sources whose filters rule the prefix out.
/// </summary>
public sealed class LsmIterator : IDisposable
{
    private readonly MergingIterator _iter;
    private readonly SuperVersion _superVersion;
    private readonly ulong _sequence;
    private readonly byte[]? _lowerBound;
    private readonly byte[]? _upperBound;
    private readonly RangeDel.FragmentedRangeTombstones? _tombstones; // null when no source has range tombstones
    private bool _valid;
    private bool _forward = true;
    private bool _disposed;

    // Reverse direction: the current entry is copied here because the merging iterator sits before it.
    // Forward direction: _savedKey holds the user key being skipped while scanning.
    private byte[] _savedKey = new byte[64];
    private int _savedKeyLength;
    private byte[] _savedValue = new byte[256];
    private int _savedValueLength;
    private byte[] _seekKey = new byte[64];

    // Prefix-same-as-start: _prefix is null unless requested; _prefixBound says the current prefix stops iteration.
    private readonly PrefixSeekState? _prefix;
    private bool _prefixBound;

    internal LsmIterator(MergingIterator iter, SuperVersion superVersion, ulong sequence, ReadOptions options,
        RangeDel.FragmentedRangeTombstones? tombstones, PrefixSeekState? prefix = null)
    {
        _tombstones = tombstones is { IsEmpty: false } ? tombstones : null;
        _prefix = prefix;
        _iter = iter;
        _superVersion = superVersion;
        _sequence = sequence;
        _lowerBound = options.LowerBound;
        _upperBound = options.UpperBound;
    }

    /// <summary>True when the iterator is positioned at an entry.</summary>
    public bool Valid => _valid;

    /// <summary>The current user key. REQUIRES: Valid.</summary>
    public ReadOnlySpan<byte> Key
    {
        get
        {
            EnsureValid();
            return _forward ? InternalKey.UserKey(_iter.Key) : _savedKey.AsSpan(0, _savedKeyLength);
        }
    }

    /// <summary>The current value. REQUIRES: Valid.</summary>
    public ReadOnlySpan<byte> Value
    {
        get
        {
            EnsureValid();
            return _forward ? _iter.Value : _savedValue.AsSpan(0, _savedValueLength);
        }
    }

    public void SeekToFirst()
    {
        ThrowIfDisposed();
        StartTotalOrderSeek();
        _forward = true;
        if (_lowerBound is not null)
        {
            _iter.Seek(MakeSeekKey(_lowerBound, _sequence, ValueTypes.ForSeek));
        }
        else
        {
            _iter.SeekToFirst();
        }
        FindNextUserEntry(skipping: false);
        BindPrefixOfCurrentKey();
    }

    public void SeekToLast()
    {
        ThrowIfDisposed();
        StartTotalOrderSeek();
        _forward = false;
        if (_upperBound is not null)
        {
            _iter.SeekForPrev(MakeSeekKey(_upperBound, SequenceNumber.Max, ValueTypes.ForSeek));
        }
        else
        {
            _iter.SeekToLast();
        }
        FindPrevUserEntry();
        BindPrefixOfCurrentKey();
    }

    /// <summary>Positions at the first key &gt;= <paramref name="key"/> (and &gt;= the lower bound).</summary>
    public void Seek(ReadOnlySpan<byte> key)
    {
        ThrowIfDisposed();
        if (_lowerBound is not null && key.SequenceCompareTo(_lowerBound) < 0)
        {
            key = _lowerBound;
        }
        StartPrefixSeek(key);
        _forward = true;
        _iter.Seek(MakeSeekKey(key, _sequence, ValueTypes.ForSeek));
        FindNextUserEntry(skipping: false);
    }

    /// <summary>Positions at the last key &lt;= <paramref name="key"/> (and below the upper bound).</summary>
    public void SeekForPrev(ReadOnlySpan<byte> key)
    {
        ThrowIfDisposed();
        StartPrefixSeek(key);
        _forward = false;
        if (_upperBound is not null && key.SequenceCompareTo(_upperBound) >= 0)
        {
            _iter.SeekForPrev(MakeSeekKey(_upperBound, SequenceNumber.Max, ValueTypes.ForSeek));
        }
        else
        {
            _iter.SeekForPrev(MakeSeekKey(key, 0, ValueType.Deletion));
        }
        FindPrevUserEntry();
    }

    public void Next()
    {
        EnsureValid();
        if (!_forward)
        {
            // The merging iterator sits just before the entries of the current key (kept in _savedKey). Seek to that
            // key's first entry and skip its entries with the normal forward scan. (Stepping from "just before" is not
            // enough: with prefix-same-as-start the children filtered by the prefix may have left the merging iterator
            // exhausted although keys of the prefix come before the current one, and SeekToFirst would leave the prefix.)
            _forward = true;
            _iter.Seek(MakeSeekKey(_savedKey.AsSpan(0, _savedKeyLength), SequenceNumber.Max, ValueTypes.ForSeek));
        }
        else
        {
            SaveKey(InternalKey.UserKey(_iter.Key));
            _iter.Next();
        }
        FindNextUserEntry(skipping: true);
    }

    public void Prev()
    {
        EnsureValid();
        if (_forward)
        {
            // The merging iterator sits at the current entry: back up to before every entry of this user key.
            SaveKey(InternalKey.UserKey(_iter.Key));
            while (true)
            {
                _iter.Prev();
                if (!_iter.Valid)
                {
                    _valid = false;
                    _forward = false;
                    return;
                }
                if (InternalKey.UserKey(_iter.Key).SequenceCompareTo(_savedKey.AsSpan(0, _savedKeyLength)) < 0)
                {
                    break;
                }
            }
            _forward = false;
        }
        FindPrevUserEntry();
    }

    // Forward: advance to the newest visible, non-deleted version of the next user key (leveldb FindNextUserEntry).
    private void FindNextUserEntry(bool skipping)
    {
        while (_iter.Valid)
        {
            ReadOnlySpan<byte> ikey = _iter.Key;
            if (_prefixBound && !_prefix!.HasPrefix(InternalKey.UserKey(ikey)))
            {
                break; // left the prefix the seek started in
            }
            ulong trailer = InternalKey.Trailer(ikey);
            if ((trailer >> 8) <= _sequence)
            {
                ReadOnlySpan<byte> userKey = InternalKey.UserKey(ikey);
                switch ((ValueType)(byte)trailer)
                {
                    case ValueType.Deletion:
                        // Hide every older entry of this key.
                        SaveKey(userKey);
                        skipping = true;
                        break;
                    case ValueType.Value:
                        // The merged stream ascends, so a key not past the saved one equals it: an equality test is enough.
                        if (skipping && userKey.SequenceEqual(_savedKey.AsSpan(0, _savedKeyLength)))
                        {
                            break; // an older version of a key already passed
                        }
                        if (_tombstones is not null && (trailer >> 8) < _tombstones.MaxCoveringSequence(userKey, _sequence))
                        {
                            // Deleted by a newer range tombstone: hide it and every older entry of this key.
                            SaveKey(userKey);
                            skipping = true;
                            break;
                        }
                        if (_upperBound is not null && userKey.SequenceCompareTo(_upperBound) >= 0)
                        {
                            _valid = false;
                            return;
                        }
                        _valid = true;
                        return;
                    default:
                        ThrowHelper.ThrowInvalidOperation($"Unexpected entry type {(byte)trailer} in the merged stream.");
                        break;
                }
            }
            _iter.Next();
        }
        _valid = false;
    }

    // Reverse: collect the newest visible version of the previous user key (leveldb FindPrevUserEntry).
    private void FindPrevUserEntry()
    {
        ValueType valueType = ValueType.Deletion;
        while (_iter.Valid)
        {
            ReadOnlySpan<byte> ikey = _iter.Key;
            ulong trailer = InternalKey.Trailer(ikey);
            ReadOnlySpan<byte> userKey = InternalKey.UserKey(ikey);
            if ((_lowerBound is not null && userKey.SequenceCompareTo(_lowerBound) < 0)
                || (_prefixBound && !_prefix!.HasPrefix(userKey)))
            {
                break;
            }
            if ((trailer >> 8) <= _sequence)
            {
                if (valueType != ValueType.Deletion && userKey.SequenceCompareTo(_savedKey.AsSpan(0, _savedKeyLength)) < 0)
                {
                    break; // passed the entries of the saved key, whose newest visible version is a value
                }
                valueType = (ValueType)(byte)trailer;
                if (valueType == ValueType.Value && _tombstones is not null && (trailer >> 8) < _tombstones.MaxCoveringSequence(userKey, _sequence))
                {
                    valueType = ValueType.Deletion; // deleted by a newer range tombstone
                }
                if (valueType == ValueType.Deletion)
                {
                    _savedKeyLength = 0;
                    _savedValueLength = 0;
                }
                else
                {
                    SaveKey(userKey);
                    SaveValue(_iter.Value);
                }
            }
            _iter.Prev();
        }
        _valid = valueType != ValueType.Deletion;
        if (!_valid)
        {
            _savedKeyLength = 0;
            _savedValueLength = 0;
        }
    }

    /// <summary>A Seek / SeekForPrev: with prefix-same-as-start, filter by and stop at the prefix of <paramref name="userKey"/>.</summary>
    private void StartPrefixSeek(ReadOnlySpan<byte> userKey) => _prefixBound = _prefix is not null && _prefix.Activate(userKey);

    /// <summary>SeekToFirst / SeekToLast: no prefix filtering; the first key found sets the prefix that stops iteration.</summary>
    private void StartTotalOrderSeek()
    {
        _prefix?.Deactivate();
        _prefixBound = false;
    }

    private void BindPrefixOfCurrentKey()
    {
        if (_prefix is not null && _valid && _prefix.Activate(Key))
        {
            _prefix.Deactivate(); // stop at the prefix's end, but the children were positioned without filtering
            _prefixBound = true;
        }
    }

    private void SaveKey(ReadOnlySpan<byte> key)
    {
        if (_savedKey.Length < key.Length)
        {
            _savedKey = new byte[Math.Max(key.Length, _savedKey.Length * 2)];
        }
        key.CopyTo(_savedKey);
        _savedKeyLength = key.Length;
    }

    private void SaveValue(ReadOnlySpan<byte> value)
    {
        if (_savedValue.Length < value.Length)
        {
            _savedValue = new byte[Math.Max(value.Length, _savedValue.Length * 2)];
        }
        value.CopyTo(_savedValue);
        _savedValueLength = value.Length;
    }

    private ReadOnlySpan<byte> MakeSeekKey(ReadOnlySpan<byte> userKey, ulong sequence, ValueType type)
    {
        int need = userKey.Length + InternalKey.TrailerSize;
        if (_seekKey.Length < need)
        {
            _seekKey = new byte[Math.Max(need, _seekKey.Length * 2)];
        }
        InternalKey.Write(_seekKey, userKey, sequence, type);
        return _seekKey.AsSpan(0, need);
    }

    private void EnsureValid()
    {
        ThrowIfDisposed();
        if (!_valid)
        {
            ThrowHelper.ThrowInvalidOperation("The iterator is not positioned at an entry.");
        }
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            ThrowHelper.ThrowObjectDisposed(nameof(LsmIterator));
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _iter.Dispose();
        _superVersion.Unref();
    }
}
