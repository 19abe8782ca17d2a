using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ManagedKv.Lsm.Keys;

/// <summary>
/// Internal key = user key ++ fixed64-LE trailer (sequence &lt;&lt; 8 | type). See FORMAT.md, "Internal key".
/// Order: user key ascending (bytewise), then trailer descending, so the newest version of a key comes first.
/// </summary>
internal static class InternalKey
{
    public const int TrailerSize = 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong PackTrailer(ulong sequence, ValueType type)
    {
        Debug.Assert(sequence <= SequenceNumber.Max);
        return (sequence << 8) | (byte)type;
    }

    /// <summary>Writes user key + trailer into <paramref name="destination"/>; returns bytes written.</summary>
    public static int Write(Span<byte> destination, ReadOnlySpan<byte> userKey, ulong sequence, ValueType type)
    {
        userKey.CopyTo(destination);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[userKey.Length..], PackTrailer(sequence, type));
        return userKey.Length + TrailerSize;
    }

    public static byte[] Create(ReadOnlySpan<byte> userKey, ulong sequence, ValueType type)
    {
        var key = new byte[userKey.Length + TrailerSize];
        Write(key, userKey, sequence, type);
        return key;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> UserKey(ReadOnlySpan<byte> internalKey)
    {
        Debug.Assert(internalKey.Length >= TrailerSize);
        return internalKey[..^TrailerSize];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Trailer(ReadOnlySpan<byte> internalKey) => BinaryPrimitives.ReadUInt64LittleEndian(internalKey[^TrailerSize..]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Sequence(ReadOnlySpan<byte> internalKey) => Trailer(internalKey) >> 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ValueType Type(ReadOnlySpan<byte> internalKey) => (ValueType)(byte)Trailer(internalKey);

    /// <summary>Compares two internal keys: user key ascending, then trailer descending.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        int c = a[..^TrailerSize].SequenceCompareTo(b[..^TrailerSize]);
        if (c != 0)
        {
            return c;
        }
        ulong ta = Trailer(a);
        ulong tb = Trailer(b);
        return ta > tb ? -1 : ta < tb ? 1 : 0;
    }

    /// <summary>True when the internal key is well formed (long enough, known type).</summary>
    public static bool IsValid(ReadOnlySpan<byte> internalKey) =>
        internalKey.Length >= TrailerSize && ValueTypes.IsValid(internalKey[^TrailerSize]);
}
