// A minimal protobuf writer for the tests' model: varints, tags (number << 3 | wire type) and
// length-delimited fields, written straight from the encoding rules, with proto3's "zero value is
// absent" rule. Used to check the generated encoder on random values.
namespace ManagedKv.Proto.Tests.Proto;

internal sealed class HandEncoder
{
    private readonly List<byte> _bytes = [];

    public byte[] ToArray() => [.. _bytes];

    public HandEncoder Varint(int number, ulong value)
    {
        if (value != 0)
        {
            WriteVarint((ulong)number << 3);
            WriteVarint(value);
        }
        return this;
    }

    public HandEncoder Bool(int number, bool value) => Varint(number, value ? 1UL : 0UL);

    public HandEncoder Bytes(int number, ReadOnlySpan<byte> value)
    {
        if (!value.IsEmpty)
        {
            Nested(number, value);
        }
        return this;
    }

    /// <summary>A sub-message, present whenever set (even when its encoding is empty).</summary>
    public HandEncoder Nested(int number, ReadOnlySpan<byte> encoded)
    {
        WriteVarint(((ulong)number << 3) | 2);
        WriteVarint((ulong)encoded.Length);
        _bytes.AddRange(encoded);
        return this;
    }

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }
        _bytes.Add((byte)value);
    }
}
