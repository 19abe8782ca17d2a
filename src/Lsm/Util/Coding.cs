using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ManagedKv.Lsm.Util;

/// <summary>
/// Varint (LEB128) and fixed-width little-endian encoding helpers shared by every on-disk format of the
/// LSM engine (see FORMAT.md, "Primitives"). Stateless and thread-safe.
/// </summary>
internal static class Coding
{
    public const int MaxVarint32Length = 5;
    public const int MaxVarint64Length = 10;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int VarintLength(ulong value)
    {
        int len = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            len++;
        }
        return len;
    }

    /// <summary>Writes <paramref name="value"/> as a varint; returns the bytes written.</summary>
    // REQUIRES: destination.Length >= VarintLength(value).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteVarint32(Span<byte> destination, uint value) => WriteVarint64(destination, value);

    public static int WriteVarint64(Span<byte> destination, ulong value)
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

    /// <summary>Reads a varint32 from the start of <paramref name="source"/>; returns the bytes consumed, 0 if malformed or truncated.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TryReadVarint32(ReadOnlySpan<byte> source, out uint value)
    {
        if (source.Length > 0 && source[0] < 0x80)
        {
            value = source[0];
            return 1;
        }
        return TryReadVarint32Slow(source, out value);
    }

    private static int TryReadVarint32Slow(ReadOnlySpan<byte> source, out uint value)
    {
        uint result = 0;
        for (int i = 0, shift = 0; i < source.Length && shift <= 28; i++, shift += 7)
        {
            uint b = source[i];
            if (shift == 28 && b > 0x0F)
            {
                break; // more than 32 bits
            }
            result |= (b & 0x7F) << shift;
            if (b < 0x80)
            {
                value = result;
                return i + 1;
            }
        }
        value = 0;
        return 0;
    }

    /// <summary>Reads a varint64 from the start of <paramref name="source"/>; returns the bytes consumed, 0 if malformed or truncated.</summary>
    public static int TryReadVarint64(ReadOnlySpan<byte> source, out ulong value)
    {
        ulong result = 0;
        for (int i = 0, shift = 0; i < source.Length && shift <= 63; i++, shift += 7)
        {
            ulong b = source[i];
            if (shift == 63 && b > 1)
            {
                break; // more than 64 bits
            }
            result |= (b & 0x7F) << shift;
            if (b < 0x80)
            {
                value = result;
                return i + 1;
            }
        }
        value = 0;
        return 0;
    }

    public static void WriteFixed32(Span<byte> destination, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(destination, value);

    public static void WriteFixed64(Span<byte> destination, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(destination, value);

    public static uint ReadFixed32(ReadOnlySpan<byte> source) => BinaryPrimitives.ReadUInt32LittleEndian(source);

    public static ulong ReadFixed64(ReadOnlySpan<byte> source) => BinaryPrimitives.ReadUInt64LittleEndian(source);
}
