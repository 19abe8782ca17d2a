using System.Buffers.Binary;

namespace ManagedKv.Txn;

/// <summary>
/// MVCC key layout (FORMAT.md §2): <c>memcomparable(user_key) ‖ big-endian(~ts)</c>. Inverting the timestamp makes
/// newer versions sort first, so a seek to <c>key ‖ ~ts</c> lands on the newest version at or below <c>ts</c>.
/// The lock CF uses the encoded key alone. Stateless and thread-safe.
/// </summary>
public static class MvccKey
{
    /// <summary>Bytes of the timestamp suffix.</summary>
    public const int TsLength = 8;

    /// <summary>Encodes a user key for the lock CF (and as the prefix of write/default CF keys).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> userKey) => MemComparable.Encode(userKey);

    /// <summary>Returns <c>encodedKey ‖ ~ts</c> as a new array.</summary>
    public static byte[] Append(ReadOnlySpan<byte> encodedKey, ulong ts)
    {
        var result = new byte[encodedKey.Length + TsLength];
        Append(encodedKey, ts, result);
        return result;
    }

    /// <summary>Writes <c>encodedKey ‖ ~ts</c> into <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Append(ReadOnlySpan<byte> encodedKey, ulong ts, Span<byte> destination)
    {
        encodedKey.CopyTo(destination);
        BinaryPrimitives.WriteUInt64BigEndian(destination[encodedKey.Length..], ~ts);
        return encodedKey.Length + TsLength;
    }

    /// <summary>Splits an MVCC key into its encoded user key and timestamp; false when it is too short.</summary>
    public static bool TrySplit(ReadOnlySpan<byte> mvccKey, out ReadOnlySpan<byte> encodedKey, out ulong ts)
    {
        if (mvccKey.Length < TsLength + MemComparable.EncodedGroupSize)
        {
            encodedKey = default;
            ts = 0;
            return false;
        }
        encodedKey = mvccKey[..^TsLength];
        ts = ~BinaryPrimitives.ReadUInt64BigEndian(mvccKey[^TsLength..]);
        return true;
    }

    /// <summary>The encoded user key part of an MVCC key. REQUIRES: mvccKey.Length &gt;= TsLength.</summary>
    public static ReadOnlySpan<byte> Truncate(ReadOnlySpan<byte> mvccKey) => mvccKey[..^TsLength];

    /// <summary>The timestamp of an MVCC key. REQUIRES: mvccKey.Length &gt;= TsLength.</summary>
    public static ulong DecodeTs(ReadOnlySpan<byte> mvccKey) => ~BinaryPrimitives.ReadUInt64BigEndian(mvccKey[^TsLength..]);

    /// <summary>True when <paramref name="mvccKey"/> is a version of <paramref name="encodedKey"/>.</summary>
    public static bool IsVersionOf(ReadOnlySpan<byte> mvccKey, ReadOnlySpan<byte> encodedKey) =>
        mvccKey.Length == encodedKey.Length + TsLength && mvccKey.StartsWith(encodedKey);

    /// <summary>Decodes an encoded user key (lock CF key or the prefix of an MVCC key) back to the raw user key.</summary>
    public static byte[] DecodeUserKey(ReadOnlySpan<byte> encodedKey)
    {
        if (!MemComparable.TryDecode(encodedKey, out byte[]? key, out int consumed) || consumed != encodedKey.Length)
        {
            throw new MvccFormatException("key", encodedKey, 0, "invalid memcomparable key encoding");
        }
        return key;
    }
}
