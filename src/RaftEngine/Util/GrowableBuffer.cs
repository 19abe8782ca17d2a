using ManagedKv.Lsm.Util;

namespace ManagedKv.RaftEngine;

/// <summary>
/// An append-only byte buffer that doubles its array when full; reused across <see cref="Clear"/> so a long-lived
/// owner (a reused <see cref="LogBatch"/>) stops allocating once warm. Not thread-safe.
/// </summary>
internal sealed class GrowableBuffer
{
    private byte[] _array;
    private int _length;

    public GrowableBuffer(int initialCapacity) => _array = initialCapacity == 0 ? [] : new byte[initialCapacity];

    public byte[] Array => _array;

    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _length);

    public ReadOnlyMemory<byte> WrittenMemory => _array.AsMemory(0, _length);

    public void Clear() => _length = 0;

    /// <summary>Returns a span of at least <paramref name="size"/> bytes at the end; commit with <see cref="Advance"/>.</summary>
    public Span<byte> GetSpan(int size)
    {
        if (_array.Length - _length < size)
        {
            Grow(size);
        }
        return _array.AsSpan(_length);
    }

    public void Advance(int count) => _length += count;

    public void WriteByte(byte value)
    {
        GetSpan(1)[0] = value;
        _length++;
    }

    public void WriteVarint(ulong value) => _length += Coding.WriteVarint64(GetSpan(Coding.MaxVarint64Length), value);

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _length += bytes.Length;
    }

    /// <summary>Bytes held by the buffer's array (for memory accounting).</summary>
    public int Capacity => _array.Length;

    private void Grow(int size)
    {
        long needed = (long)_length + size;
        if (needed > System.Array.MaxLength)
        {
            ThrowHelper.ThrowArgument($"A log batch cannot exceed {System.Array.MaxLength} bytes.");
        }
        long newSize = Math.Max(Math.Max(needed, 256), Math.Min((long)_array.Length * 2, System.Array.MaxLength));
        byte[] next = new byte[newSize];
        _array.AsSpan(0, _length).CopyTo(next);
        _array = next;
    }
}
