namespace ManagedKv.Raft;

/// <summary>LEB128 unsigned varints for the message and configuration-change codecs.</summary>
internal static class Varint
{
    public const int MaxLength = 10;

    public static int Write(Span<byte> destination, ulong value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    public static int Length(ulong value)
    {
        int n = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            n++;
        }

        return n;
    }

    /// <exception cref="FormatException">Truncated or over-long varint.</exception>
    public static ulong Read(ReadOnlySpan<byte> source, ref int pos)
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (pos >= source.Length)
            {
                throw new FormatException($"truncated varint at offset {pos}");
            }

            byte b = source[pos++];
            if (shift == 63 && b > 1)
            {
                throw new FormatException($"varint overflows 64 bits at offset {pos - 1}");
            }

            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new FormatException($"varint longer than 10 bytes at offset {pos}");
    }
}
