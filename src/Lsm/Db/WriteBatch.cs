using System.Buffers;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm;

/// <summary>
/// An ordered group of updates over any column families, applied atomically by <see cref="LsmDb.Write"/>.
/// Not thread-safe. Reusable: <see cref="Clear"/> keeps the buffer, so a reused batch allocates nothing.
/// The encoding is the WAL record payload (FORMAT.md, "Write batch"):
/// <c>fixed64 sequence | fixed32 count | count × (tag byte | varint32 cf id | varint32 klen | key [| varint32 vlen | value])</c>.
/// </summary>
public sealed class WriteBatch
{
    private byte[] _rep;
    private int _length; // Invariant: HeaderSize <= _length <= _rep.Length
    private int _count;

    public WriteBatch(int reservedBytes = 256)
    {
        _rep = new byte[Math.Max(reservedBytes, WriteBatchFormat.HeaderSize)];
        _length = WriteBatchFormat.HeaderSize;
    }

    /// <summary>Number of updates in the batch.</summary>
    public int Count => _count;

    /// <summary>Encoded size in bytes.</summary>
    public int DataSize => _length;

    internal ReadOnlySpan<byte> Data => _rep.AsSpan(0, _length);

    internal Span<byte> DataMutable => _rep.AsSpan(0, _length);

    /// <summary>Columns families touched are remembered as a bit set of ids below 64 (others set bit 63).</summary>
    internal ulong ColumnFamilyMask { get; private set; }

    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Put(null, key, value);

    public void Put(ColumnFamily? cf, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        uint id = cf?.Id ?? 0;
        int need = 1 + Coding.MaxVarint32Length * 3 + key.Length + value.Length;
        Span<byte> dst = Reserve(need);
        int n = 0;
        dst[n++] = WriteBatchFormat.TagPut;
        n += Coding.WriteVarint32(dst[n..], id);
        n += Coding.WriteVarint32(dst[n..], (uint)key.Length);
        key.CopyTo(dst[n..]);
        n += key.Length;
        n += Coding.WriteVarint32(dst[n..], (uint)value.Length);
        value.CopyTo(dst[n..]);
        n += value.Length;
        Commit(n, id);
    }

    public void Delete(ReadOnlySpan<byte> key) => Delete(null, key);

    public void Delete(ColumnFamily? cf, ReadOnlySpan<byte> key)
    {
        uint id = cf?.Id ?? 0;
        int need = 1 + Coding.MaxVarint32Length * 2 + key.Length;
        Span<byte> dst = Reserve(need);
        int n = 0;
        dst[n++] = WriteBatchFormat.TagDelete;
        n += Coding.WriteVarint32(dst[n..], id);
        n += Coding.WriteVarint32(dst[n..], (uint)key.Length);
        key.CopyTo(dst[n..]);
        n += key.Length;
        Commit(n, id);
    }

    /// <summary>Deletes every key in [<paramref name="begin"/>, <paramref name="end"/>) of the default column family.</summary>
    public void DeleteRange(ReadOnlySpan<byte> begin, ReadOnlySpan<byte> end) => DeleteRange(null, begin, end);

    /// <summary>
    /// Deletes every key k with begin &lt;= k &lt; end in <paramref name="cf"/> with one range tombstone. An empty range
    /// (begin == end) is a no-op; begin &gt; end is an error.
    /// </summary>
    public void DeleteRange(ColumnFamily? cf, ReadOnlySpan<byte> begin, ReadOnlySpan<byte> end)
    {
        int c = begin.SequenceCompareTo(end);
        if (c > 0)
        {
            ThrowHelper.ThrowArgument("DeleteRange: the end key sorts before the begin key.", nameof(end));
        }
        if (c == 0)
        {
            return;
        }
        uint id = cf?.Id ?? 0;
        int need = 1 + Coding.MaxVarint32Length * 3 + begin.Length + end.Length;
        Span<byte> dst = Reserve(need);
        int n = 0;
        dst[n++] = WriteBatchFormat.TagRangeDeletion;
        n += Coding.WriteVarint32(dst[n..], id);
        n += Coding.WriteVarint32(dst[n..], (uint)begin.Length);
        begin.CopyTo(dst[n..]);
        n += begin.Length;
        n += Coding.WriteVarint32(dst[n..], (uint)end.Length);
        end.CopyTo(dst[n..]);
        n += end.Length;
        Commit(n, id);
    }

    /// <summary>Removes every update; keeps the buffer for reuse.</summary>
    public void Clear()
    {
        _length = WriteBatchFormat.HeaderSize;
        _count = 0;
        Coding.WriteFixed32(_rep.AsSpan(8), 0);
        ColumnFamilyMask = 0;
    }

    private Span<byte> Reserve(int bytes)
    {
        if (_rep.Length - _length < bytes)
        {
            long want = Math.Max((long)_rep.Length * 2, (long)_length + bytes);
            if (want > Array.MaxLength)
            {
                ThrowHelper.ThrowArgument("Write batch exceeds the maximum size.");
            }
            Array.Resize(ref _rep, (int)want);
        }
        return _rep.AsSpan(_length);
    }

    private void Commit(int bytes, uint cfId)
    {
        _length += bytes;
        _count++;
        Coding.WriteFixed32(_rep.AsSpan(8), (uint)_count);
        ColumnFamilyMask |= 1UL << (int)Math.Min(cfId, 63u);
    }

    /// <summary>Calls <paramref name="handler"/> for each update of an encoded batch; throws on malformed input.</summary>
    internal static void Iterate<THandler>(ReadOnlySpan<byte> data, ref THandler handler, string sourcePath, long sourceOffset)
        where THandler : struct, IWriteBatchHandler
    {
        if (data.Length < WriteBatchFormat.HeaderSize)
        {
            ThrowHelper.ThrowCorruption(sourcePath, sourceOffset, $"write batch of {data.Length} bytes is shorter than its header");
        }
        ulong sequence = Coding.ReadFixed64(data);
        uint count = Coding.ReadFixed32(data[8..]);
        var reader = new SpanReader(data[WriteBatchFormat.HeaderSize..]);
        uint seen = 0;
        while (reader.Remaining > 0)
        {
            uint cfId = 0;
            ReadOnlySpan<byte> key = default;
            if (!reader.TryReadByte(out byte tag) || !reader.TryReadVarint32(out cfId) || !reader.TryReadLengthPrefixed(out key))
            {
                ThrowHelper.ThrowCorruption(sourcePath, sourceOffset, "malformed write batch entry");
            }
            switch (tag)
            {
                case WriteBatchFormat.TagPut:
                    if (!reader.TryReadLengthPrefixed(out ReadOnlySpan<byte> value))
                    {
                        ThrowHelper.ThrowCorruption(sourcePath, sourceOffset, "malformed write batch value");
                    }
                    handler.Put(cfId, sequence + seen, key, value);
                    break;
                case WriteBatchFormat.TagDelete:
                    handler.Delete(cfId, sequence + seen, key);
                    break;
                case WriteBatchFormat.TagRangeDeletion:
                    if (!reader.TryReadLengthPrefixed(out ReadOnlySpan<byte> end))
                    {
                        ThrowHelper.ThrowCorruption(sourcePath, sourceOffset, "malformed write batch range end");
                    }
                    handler.DeleteRange(cfId, sequence + seen, key, end);
                    break;
                default:
                    ThrowHelper.ThrowCorruption(sourcePath, sourceOffset, $"unknown write batch tag {tag}");
                    break;
            }
            seen++;
        }
        if (seen != count)
        {
            ThrowHelper.ThrowCorruption(sourcePath, sourceOffset, $"write batch says {count} entries but holds {seen}");
        }
    }

    internal static ulong ReadSequence(ReadOnlySpan<byte> data) => Coding.ReadFixed64(data);

    internal static uint ReadCount(ReadOnlySpan<byte> data) => Coding.ReadFixed32(data[8..]);

    internal static void SetSequence(Span<byte> data, ulong sequence) => Coding.WriteFixed64(data, sequence);

    internal static void SetCount(Span<byte> data, uint count) => Coding.WriteFixed32(data[8..], count);
}

/// <summary>Receives the updates of an encoded write batch, each with its sequence number.</summary>
internal interface IWriteBatchHandler
{
    void Put(uint cfId, ulong sequence, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    void Delete(uint cfId, ulong sequence, ReadOnlySpan<byte> key);

    void DeleteRange(uint cfId, ulong sequence, ReadOnlySpan<byte> begin, ReadOnlySpan<byte> end);
}
