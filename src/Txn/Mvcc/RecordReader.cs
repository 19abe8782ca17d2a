using System.Diagnostics.CodeAnalysis;
using ManagedKv.Lsm.Util;

namespace ManagedKv.Txn;

/// <summary>
/// Bounds-checked cursor over one lock or write record. Every read that would run past the end, and every malformed
/// varint, throws <see cref="MvccFormatException"/> naming the CF, key and offset.
/// </summary>
internal ref struct RecordReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _cf;
    private readonly ReadOnlySpan<byte> _key;
    private int _offset;

    public RecordReader(ReadOnlySpan<byte> data, string cf, ReadOnlySpan<byte> key)
    {
        _data = data;
        _cf = cf;
        _key = key;
        _offset = 0;
    }

    public readonly bool AtEnd => _offset == _data.Length;

    public readonly int Offset => _offset;

    public byte ReadByte()
    {
        if (_offset >= _data.Length)
        {
            Fail("truncated record");
        }
        return _data[_offset++];
    }

    public ulong ReadVarint64()
    {
        int n = Coding.TryReadVarint64(_data[_offset..], out ulong value);
        if (n == 0)
        {
            Fail("bad or truncated varint");
        }
        _offset += n;
        return value;
    }

    public int ReadCount()
    {
        ulong count = ReadVarint64();
        if (count > (ulong)(_data.Length - _offset))
        {
            Fail($"count {count} exceeds the remaining {_data.Length - _offset} bytes");
        }
        return (int)count;
    }

    public ReadOnlySpan<byte> ReadSpan(int length)
    {
        if (length > _data.Length - _offset)
        {
            Fail($"length {length} exceeds the remaining {_data.Length - _offset} bytes");
        }
        ReadOnlySpan<byte> s = _data.Slice(_offset, length);
        _offset += length;
        return s;
    }

    public byte[] ReadBytes(int length) => ReadSpan(length).ToArray();

    public byte[] ReadLengthPrefixed() => ReadBytes(ReadCount());

    [DoesNotReturn]
    public readonly void Fail(string reason) => throw new MvccFormatException(_cf, _key, _offset, reason);
}
