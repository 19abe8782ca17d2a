using System.Diagnostics.CodeAnalysis;

namespace ManagedKv.Txn;

/// <summary>
/// The memcomparable byte encoding of user keys (FORMAT.md §1): the key is cut into 8-byte groups, each written as
/// 8 data bytes (the last group padded with 0x00) followed by a marker byte <c>0xFF − padding</c>. The encoding
/// orders exactly as the raw keys do under unsigned byte comparison, and no encoded key is a prefix of another, so a
/// timestamp suffix can be appended without disturbing the order. Stateless and thread-safe.
/// </summary>
public static class MemComparable
{
    /// <summary>Data bytes per group.</summary>
    public const int GroupSize = 8;

    /// <summary>Data bytes plus the marker.</summary>
    public const int EncodedGroupSize = GroupSize + 1;

    /// <summary>Marker of a full group (no padding).</summary>
    public const byte Marker = 0xFF;

    /// <summary>Padding byte.</summary>
    public const byte Pad = 0x00;

    /// <summary>Length of the encoding of a <paramref name="keyLength"/>-byte key.</summary>
    public static int EncodedLength(int keyLength) => (keyLength / GroupSize + 1) * EncodedGroupSize;

    /// <summary>Encodes <paramref name="key"/> into <paramref name="destination"/>; returns the bytes written.</summary>
    // REQUIRES: destination.Length >= EncodedLength(key.Length).
    public static int Encode(ReadOnlySpan<byte> key, Span<byte> destination)
    {
        int written = 0;
        int index = 0;
        while (true)
        {
            int remain = key.Length - index;
            Span<byte> group = destination.Slice(written, EncodedGroupSize);
            if (remain >= GroupSize)
            {
                key.Slice(index, GroupSize).CopyTo(group);
                group[GroupSize] = Marker;
                index += GroupSize;
                written += EncodedGroupSize;
                if (remain == GroupSize)
                {
                    // A key whose length is a multiple of 8 still ends with a padding-only group.
                    Span<byte> last = destination.Slice(written, EncodedGroupSize);
                    last[..GroupSize].Clear();
                    last[GroupSize] = Marker - GroupSize;
                    return written + EncodedGroupSize;
                }
            }
            else
            {
                key.Slice(index, remain).CopyTo(group);
                group.Slice(remain, GroupSize - remain).Clear();
                group[GroupSize] = (byte)(Marker - (GroupSize - remain));
                return written + EncodedGroupSize;
            }
        }
    }

    /// <summary>Returns the encoding of <paramref name="key"/> as a new array.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> key)
    {
        var result = new byte[EncodedLength(key.Length)];
        Encode(key, result);
        return result;
    }

    /// <summary>
    /// Decodes the encoded key at the start of <paramref name="encoded"/> into a new array, reporting how many bytes
    /// it spans; false when the bytes are not a valid encoding (bad marker, non-zero padding, truncated).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> encoded, [NotNullWhen(true)] out byte[]? key, out int consumed)
    {
        if (!TryGetDecodedLength(encoded, out int length, out consumed))
        {
            key = null;
            return false;
        }
        key = new byte[length];
        DecodeUnchecked(encoded, key);
        return true;
    }

    /// <summary>
    /// Validates the encoded key at the start of <paramref name="encoded"/>: its decoded length and the bytes it spans.
    /// </summary>
    public static bool TryGetDecodedLength(ReadOnlySpan<byte> encoded, out int length, out int consumed)
    {
        length = 0;
        consumed = 0;
        int offset = 0;
        while (offset + EncodedGroupSize <= encoded.Length)
        {
            byte marker = encoded[offset + GroupSize];
            int pad = Marker - marker;
            if (pad == 0)
            {
                length += GroupSize;
                offset += EncodedGroupSize;
                continue;
            }
            if (pad > GroupSize)
            {
                return false;
            }
            ReadOnlySpan<byte> padding = encoded.Slice(offset + GroupSize - pad, pad);
            if (padding.IndexOfAnyExcept(Pad) >= 0)
            {
                return false;
            }
            length += GroupSize - pad;
            consumed = offset + EncodedGroupSize;
            return true;
        }
        return false;
    }

    /// <summary>Decodes a validated encoding into <paramref name="destination"/>; returns the bytes written.</summary>
    // REQUIRES: TryGetDecodedLength(encoded) succeeded and destination is at least that long.
    public static int DecodeUnchecked(ReadOnlySpan<byte> encoded, Span<byte> destination)
    {
        int written = 0;
        int offset = 0;
        while (true)
        {
            int pad = Marker - encoded[offset + GroupSize];
            int take = GroupSize - pad;
            encoded.Slice(offset, take).CopyTo(destination[written..]);
            written += take;
            offset += EncodedGroupSize;
            if (pad != 0)
            {
                return written;
            }
        }
    }
}
