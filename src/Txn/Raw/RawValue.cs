using System.Buffers.Binary;

namespace ManagedKv.Txn;

/// <summary>
/// The raw CF value format (FORMAT.md §5): <c>flags | [fixed64 LE expire_unix_seconds] | value</c>. Stateless.
/// </summary>
internal static class RawValue
{
    public const byte FlagHasTtl = 0x01;

    public static byte[] Encode(ReadOnlySpan<byte> value, ulong expireUnixSeconds)
    {
        bool ttl = expireUnixSeconds != 0;
        var result = new byte[1 + (ttl ? 8 : 0) + value.Length];
        result[0] = ttl ? FlagHasTtl : (byte)0;
        int n = 1;
        if (ttl)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(1), expireUnixSeconds);
            n += 8;
        }
        value.CopyTo(result.AsSpan(n));
        return result;
    }

    /// <summary>Splits a stored value; throws <see cref="MvccFormatException"/> when malformed.</summary>
    public static ReadOnlySpan<byte> Decode(ReadOnlySpan<byte> stored, ReadOnlySpan<byte> key, out ulong expireUnixSeconds)
    {
        if (stored.Length == 0 || (stored[0] & ~FlagHasTtl) != 0 || ((stored[0] & FlagHasTtl) != 0 && stored.Length < 9))
        {
            throw new MvccFormatException(EngineCfNames.Raw, key, 0, stored.Length == 0 ? "empty raw value" : $"bad raw value flags 0x{stored[0]:X2}");
        }
        if ((stored[0] & FlagHasTtl) == 0)
        {
            expireUnixSeconds = 0;
            return stored[1..];
        }
        expireUnixSeconds = BinaryPrimitives.ReadUInt64LittleEndian(stored[1..]);
        return stored[9..];
    }
}
