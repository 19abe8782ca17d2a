using ManagedKv.Lsm.Util;
using ManagedKv.Raft;

namespace ManagedKv.Node.Store;

/// <summary>
/// The bytes of one Raft entry as stored in the RaftEngine (src/Node/FORMAT.md, "Raft entry"): the index is the
/// RaftEngine's own, so only <c>header(1) term(varint) context_length(varint) context data</c> is stored, where the
/// header holds the format version (high nibble) and the <see cref="EntryType"/> (low nibble). Stateless and
/// thread-safe.
/// </summary>
public static class RaftEntryCodec
{
    /// <summary>The encoded length of <paramref name="entry"/>.</summary>
    public static int GetEncodedLength(in Entry entry) =>
        1 + Coding.VarintLength(entry.Term) + Coding.VarintLength((ulong)entry.Context.Length) + entry.Context.Length + entry.Data.Length;

    /// <summary>Encodes <paramref name="entry"/> into <paramref name="destination"/>; returns the bytes written.</summary>
    // REQUIRES: destination.Length >= GetEncodedLength(entry).
    public static int Encode(in Entry entry, Span<byte> destination)
    {
        destination[0] = (byte)((StateFormat.Version << 4) | (byte)entry.Type);
        int n = 1;
        n += Coding.WriteVarint64(destination[n..], entry.Term);
        ReadOnlySpan<byte> context = entry.Context.Span;
        n += Coding.WriteVarint64(destination[n..], (ulong)context.Length);
        context.CopyTo(destination[n..]);
        n += context.Length;
        ReadOnlySpan<byte> data = entry.Data.Span;
        data.CopyTo(destination[n..]);
        return n + data.Length;
    }

    /// <summary>Decodes entry <paramref name="index"/> of <paramref name="regionId"/>; its data and context are slices
    /// of <paramref name="value"/> (no copy).</summary>
    /// <exception cref="StoreCorruptionException">The value is malformed.</exception>
    public static Entry Decode(ulong regionId, ulong index, byte[] value)
    {
        ReadOnlySpan<byte> span = value;
        if (span.IsEmpty)
        {
            ThrowCorrupt(regionId, index, 0, "empty value");
        }

        byte header = span[0];
        if (header >> 4 != StateFormat.Version)
        {
            ThrowCorrupt(regionId, index, 0, $"unknown format version {header >> 4}");
        }

        var type = (EntryType)(header & 0x0F);
        if (type is not (EntryType.EntryNormal or EntryType.EntryConfChangeV2))
        {
            ThrowCorrupt(regionId, index, 0, $"unknown entry type {header & 0x0F}");
        }

        int pos = 1;
        int n = Coding.TryReadVarint64(span[pos..], out ulong term);
        if (n == 0)
        {
            ThrowCorrupt(regionId, index, pos, "bad term varint");
        }

        pos += n;
        n = Coding.TryReadVarint64(span[pos..], out ulong contextLength);
        if (n == 0 || contextLength > (ulong)(span.Length - pos - n))
        {
            ThrowCorrupt(regionId, index, pos, "bad context length");
        }

        pos += n;
        var context = new ReadOnlyMemory<byte>(value, pos, (int)contextLength);
        pos += (int)contextLength;
        return new Entry(term, index, type, new ReadOnlyMemory<byte>(value, pos, value.Length - pos), context);
    }

    /// <summary>Reads only the term of an encoded entry.</summary>
    /// <exception cref="StoreCorruptionException">The value is malformed.</exception>
    public static ulong DecodeTerm(ulong regionId, ulong index, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty || value[0] >> 4 != StateFormat.Version)
        {
            ThrowCorrupt(regionId, index, 0, "bad header");
        }

        if (Coding.TryReadVarint64(value[1..], out ulong term) == 0)
        {
            ThrowCorrupt(regionId, index, 1, "bad term varint");
        }

        return term;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowCorrupt(ulong regionId, ulong index, int offset, string detail) =>
        throw new StoreCorruptionException(regionId, "entry " + index, offset, detail);
}
