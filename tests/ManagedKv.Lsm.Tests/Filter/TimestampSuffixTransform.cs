using System.Buffers.Binary;

namespace ManagedKv.Lsm.Tests.Filter;

/// <summary>
/// TiKV's write-CF extractor as a user-supplied <see cref="ISliceTransform"/>: the key without its 8-byte timestamp
/// suffix (stored as ~ts big-endian so newer versions sort first). Keys shorter than 8 bytes are outside the domain.
/// </summary>
internal sealed class TimestampSuffixTransform : ISliceTransform
{
    public const int TimestampSize = 8;

    public string Name => "test.TimestampSuffix.8";

    public bool InDomain(ReadOnlySpan<byte> key) => key.Length >= TimestampSize;

    public ReadOnlySpan<byte> Transform(ReadOnlySpan<byte> key) => key[..^TimestampSize];

    /// <summary>user key | ~ts (big-endian).</summary>
    public static byte[] Key(ReadOnlySpan<byte> userKey, ulong ts)
    {
        var key = new byte[userKey.Length + TimestampSize];
        userKey.CopyTo(key);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(userKey.Length), ~ts);
        return key;
    }
}
