using ManagedKv.Lsm.Util;

namespace ManagedKv.Txn;

/// <summary>
/// An engine-independent batch of modifications over the column families, applied atomically by
/// <see cref="IKvEngine.Write"/>. Encoded as it is built (FORMAT.md §6:
/// <c>count × (op | cf | varint klen | key [| varint vlen | value])</c>, the value slot holding the end key of a
/// delete-range) so the Node can propose <see cref="Data"/>
/// through Raft unchanged. Not thread-safe. Reusable after <see cref="Clear"/>.
/// </summary>
public sealed class KvWriteBatch
{
    private byte[] _buffer;
    private int _length; // Invariant: 0 <= _length <= _buffer.Length, _buffer[0.._length) is whole entries
    private int _count;

    public KvWriteBatch(int capacity = 256)
    {
        _buffer = new byte[Math.Max(16, capacity)];
    }

    /// <summary>Number of modifications.</summary>
    public int Count => _count;

    /// <summary>Encoded size in bytes (the quota a pending write holds).</summary>
    public int DataSize => _length;

    /// <summary>The encoding (FORMAT.md §6).</summary>
    public ReadOnlySpan<byte> Data => _buffer.AsSpan(0, _length);

    /// <summary>Rebuilds a batch from <see cref="Data"/>; throws <see cref="MvccFormatException"/> when malformed.</summary>
    public static KvWriteBatch FromData(ReadOnlySpan<byte> data)
    {
        var batch = new KvWriteBatch(data.Length);
        data.CopyTo(batch._buffer);
        batch._length = data.Length;
        int count = 0;
        var e = batch.GetEnumerator();
        while (e.MoveNext())
        {
            count++;
        }
        batch._count = count;
        return batch;
    }

    public void Put(EngineCf cf, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Append(KvModifyOp.Put, cf, key, value);

    private void Append(KvModifyOp op, EngineCf cf, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        Span<byte> dst = Reserve(2 + 2 * Coding.MaxVarint32Length + key.Length + value.Length);
        int n = 0;
        dst[n++] = (byte)op;
        dst[n++] = (byte)cf;
        n += Coding.WriteVarint32(dst[n..], (uint)key.Length);
        key.CopyTo(dst[n..]);
        n += key.Length;
        n += Coding.WriteVarint32(dst[n..], (uint)value.Length);
        value.CopyTo(dst[n..]);
        n += value.Length;
        _length += n;
        _count++;
    }

    public void Delete(EngineCf cf, ReadOnlySpan<byte> key)
    {
        Span<byte> dst = Reserve(2 + Coding.MaxVarint32Length + key.Length);
        int n = 0;
        dst[n++] = (byte)KvModifyOp.Delete;
        dst[n++] = (byte)cf;
        n += Coding.WriteVarint32(dst[n..], (uint)key.Length);
        key.CopyTo(dst[n..]);
        n += key.Length;
        _length += n;
        _count++;
    }

    /// <summary>
    /// Deletes every key in <c>[begin, end)</c> of <paramref name="cf"/>, atomically with the rest of the batch (a range
    /// tombstone in the LSM: O(1) to write however many keys it covers). Throws when <paramref name="end"/> sorts before
    /// <paramref name="begin"/>; an empty range is allowed and deletes nothing.
    /// </summary>
    public void DeleteRange(EngineCf cf, ReadOnlySpan<byte> begin, ReadOnlySpan<byte> end)
    {
        if (end.SequenceCompareTo(begin) < 0)
        {
            throw new ArgumentException("DeleteRange: the end key sorts before the begin key.", nameof(end));
        }
        Append(KvModifyOp.DeleteRange, cf, begin, end);
    }

    /// <summary>Removes every modification, keeping the buffer.</summary>
    public void Clear()
    {
        _length = 0;
        _count = 0;
    }

    public Enumerator GetEnumerator() => new(_buffer.AsSpan(0, _length));

    private Span<byte> Reserve(int bytes)
    {
        if (_buffer.Length - _length < bytes)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + bytes));
        }
        return _buffer.AsSpan(_length);
    }

    /// <summary>Walks the modifications in order without allocating.</summary>
    public ref struct Enumerator
    {
        private readonly ReadOnlySpan<byte> _data;
        private int _offset;
        private KvModify _current;

        internal Enumerator(ReadOnlySpan<byte> data)
        {
            _data = data;
            _offset = 0;
            _current = default;
        }

        public readonly KvModify Current => _current;

        public bool MoveNext()
        {
            if (_offset >= _data.Length)
            {
                return false;
            }
            var r = new RecordReader(_data[_offset..], "batch", default);
            byte op = r.ReadByte();
            byte cf = r.ReadByte();
            if (op is not ((byte)KvModifyOp.Put or (byte)KvModifyOp.Delete or (byte)KvModifyOp.DeleteRange) || cf >= EngineCfNames.Count)
            {
                r.Fail($"bad modification header op={op} cf={cf}");
            }
            ReadOnlySpan<byte> key = r.ReadSpan(r.ReadCount());
            ReadOnlySpan<byte> value = op != (byte)KvModifyOp.Delete ? r.ReadSpan(r.ReadCount()) : default;
            if (op == (byte)KvModifyOp.DeleteRange && value.SequenceCompareTo(key) < 0)
            {
                r.Fail("delete-range end key sorts before its begin key");
            }
            _offset += r.Offset;
            _current = new KvModify((KvModifyOp)op, (EngineCf)cf, key, value);
            return true;
        }
    }
}
