using System.Buffers.Binary;
using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Keys;
using ValueType = ManagedKv.Lsm.Keys.ValueType;

namespace ManagedKv.Lsm.Ingest;

/// <summary>
/// Presents the entries of an ingested external SST at its global sequence number: each stored key
/// <c>(user_key, 0, type)</c> reads as <c>(user_key, G, type)</c> (FORMAT.md, "Global sequence numbers"). External
/// files hold each user key once, so the order of the file is the order of the presented keys; seeks translate the
/// target to the user key and step over the one entry the rewritten trailer puts on the other side. Owns and
/// disposes the inner iterator. Not thread-safe.
/// </summary>
internal sealed class GlobalSequenceIterator : IInternalIterator
{
    private readonly IInternalIterator _inner;
    private readonly ulong _globalSequence;
    private byte[] _key = new byte[64];
    private byte[] _seek = new byte[64];
    private int _keyLength;
    // Invariant: when Valid, _key[.._keyLength] is the inner key with its trailer rewritten to (_globalSequence, type).

    public GlobalSequenceIterator(IInternalIterator inner, ulong globalSequence)
    {
        _inner = inner;
        _globalSequence = globalSequence;
    }

    public bool Valid => _inner.Valid;

    public ReadOnlySpan<byte> Key => _key.AsSpan(0, _keyLength);

    public ReadOnlySpan<byte> Value => _inner.Value;

    public void SeekToFirst()
    {
        _inner.SeekToFirst();
        Load();
    }

    public void SeekToLast()
    {
        _inner.SeekToLast();
        Load();
    }

    public void Seek(ReadOnlySpan<byte> target)
    {
        // The first stored entry of the target's user key or later, then skip it if its presented key is < target.
        _inner.Seek(SeekKey(target, SequenceNumber.Max, ValueTypes.ForSeek));
        Load();
        if (Valid && InternalKey.Compare(Key, target) < 0)
        {
            _inner.Next();
            Load();
        }
    }

    public void SeekForPrev(ReadOnlySpan<byte> target)
    {
        // The last stored entry of the target's user key or earlier, then step back if its presented key is > target.
        _inner.SeekForPrev(SeekKey(target, 0, ValueType.Deletion));
        Load();
        if (Valid && InternalKey.Compare(Key, target) > 0)
        {
            _inner.Prev();
            Load();
        }
    }

    public void Next()
    {
        _inner.Next();
        Load();
    }

    public void Prev()
    {
        _inner.Prev();
        Load();
    }

    public void Dispose() => _inner.Dispose();

    private ReadOnlySpan<byte> SeekKey(ReadOnlySpan<byte> target, ulong sequence, ValueType type)
    {
        ReadOnlySpan<byte> userKey = InternalKey.UserKey(target);
        if (_seek.Length < target.Length)
        {
            _seek = new byte[Math.Max(target.Length, _seek.Length * 2)];
        }
        return _seek.AsSpan(0, InternalKey.Write(_seek, userKey, sequence, type));
    }

    private void Load()
    {
        if (!_inner.Valid)
        {
            _keyLength = 0;
            return;
        }
        ReadOnlySpan<byte> key = _inner.Key;
        if (_key.Length < key.Length)
        {
            _key = new byte[Math.Max(key.Length, _key.Length * 2)];
        }
        key.CopyTo(_key);
        _keyLength = key.Length;
        BinaryPrimitives.WriteUInt64LittleEndian(_key.AsSpan(_keyLength - InternalKey.TrailerSize),
            InternalKey.PackTrailer(_globalSequence, InternalKey.Type(key)));
    }
}
