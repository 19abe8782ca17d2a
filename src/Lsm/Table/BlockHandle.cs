using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// Where a block lives in an SST: offset and size of its contents (the 5-byte trailer follows and is not counted).
/// Encoded as varint64 offset ++ varint64 size. See FORMAT.md, "SST".
/// </summary>
internal readonly struct BlockHandle : IEquatable<BlockHandle>
{
    /// <summary>Two varint64s.</summary>
    public const int MaxEncodedLength = 2 * Coding.MaxVarint64Length;

    public BlockHandle(ulong offset, ulong size)
    {
        Offset = offset;
        Size = size;
    }

    public ulong Offset { get; }

    public ulong Size { get; }

    public int EncodeTo(Span<byte> destination)
    {
        int n = Coding.WriteVarint64(destination, Offset);
        return n + Coding.WriteVarint64(destination[n..], Size);
    }

    /// <summary>Decodes a handle from the start of <paramref name="source"/>; returns bytes consumed, 0 if malformed.</summary>
    public static int TryDecode(ReadOnlySpan<byte> source, out BlockHandle handle)
    {
        int a = Coding.TryReadVarint64(source, out ulong offset);
        if (a == 0)
        {
            handle = default;
            return 0;
        }
        int b = Coding.TryReadVarint64(source[a..], out ulong size);
        if (b == 0)
        {
            handle = default;
            return 0;
        }
        handle = new BlockHandle(offset, size);
        return a + b;
    }

    public bool Equals(BlockHandle other) => Offset == other.Offset && Size == other.Size;

    public override bool Equals(object? obj) => obj is BlockHandle other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Offset, Size);

    public override string ToString() => $"[{Offset}, +{Size}]";
}
