namespace ManagedKv.Lsm.Util;

/// <summary>
/// Forward reader over a span of encoded bytes (varints, fixed ints, length-prefixed slices).
/// Every Try method advances only on success, so a caller can report the offset of a malformed field.
/// </summary>
internal ref struct SpanReader
{
    private readonly ReadOnlySpan<byte> _all;
    private ReadOnlySpan<byte> _rest; // unread part of _all

    public SpanReader(ReadOnlySpan<byte> data)
    {
        _all = data;
        _rest = data;
    }

    public readonly int Offset => _all.Length - _rest.Length;

    public readonly int Remaining => _rest.Length;

    public readonly ReadOnlySpan<byte> Rest => _rest;

    public bool TryReadVarint32(out uint value)
    {
        int n = Coding.TryReadVarint32(_rest, out value);
        if (n == 0)
        {
            return false;
        }
        _rest = _rest[n..];
        return true;
    }

    public bool TryReadVarint64(out ulong value)
    {
        int n = Coding.TryReadVarint64(_rest, out value);
        if (n == 0)
        {
            return false;
        }
        _rest = _rest[n..];
        return true;
    }

    public bool TryReadByte(out byte value)
    {
        if (_rest.IsEmpty)
        {
            value = 0;
            return false;
        }
        value = _rest[0];
        _rest = _rest[1..];
        return true;
    }

    public bool TryReadFixed32(out uint value)
    {
        if (_rest.Length < 4)
        {
            value = 0;
            return false;
        }
        value = Coding.ReadFixed32(_rest);
        _rest = _rest[4..];
        return true;
    }

    public bool TryReadFixed64(out ulong value)
    {
        if (_rest.Length < 8)
        {
            value = 0;
            return false;
        }
        value = Coding.ReadFixed64(_rest);
        _rest = _rest[8..];
        return true;
    }

    /// <summary>Reads a varint32 length followed by that many bytes.</summary>
    public bool TryReadLengthPrefixed(out ReadOnlySpan<byte> value)
    {
        ReadOnlySpan<byte> save = _rest;
        if (!TryReadVarint32(out uint len) || len > (uint)_rest.Length)
        {
            _rest = save;
            value = default;
            return false;
        }
        value = _rest[..(int)len];
        _rest = _rest[(int)len..];
        return true;
    }

    public bool TryReadBytes(int count, out ReadOnlySpan<byte> value)
    {
        if ((uint)count > (uint)_rest.Length)
        {
            value = default;
            return false;
        }
        value = _rest[..count];
        _rest = _rest[count..];
        return true;
    }
}
