using System.Buffers.Binary;

namespace ManagedKv.Node.Batch;

/// <summary>
/// The context of an entry proposed through the batch system (src/Node/FORMAT.md, "Entry context"): the proposing
/// peer's proposal id, 8 bytes little-endian. Entries with any other context (the leader's no-op, CompactLog, entries
/// written before this format) carry no id. Stateless and thread-safe.
/// </summary>
public static class ProposalContext
{
    /// <summary>Encoded length. On-disk: never change.</summary>
    public const int Length = 8;

    /// <summary>The context of proposal <paramref name="id"/> (nonzero).</summary>
    public static byte[] Encode(ulong id)
    {
        ArgumentOutOfRangeException.ThrowIfZero(id);
        byte[] context = new byte[Length];
        BinaryPrimitives.WriteUInt64LittleEndian(context, id);
        return context;
    }

    /// <summary>The proposal id in <paramref name="context"/>, or 0 if it holds none.</summary>
    public static ulong Decode(ReadOnlySpan<byte> context) =>
        context.Length == Length ? BinaryPrimitives.ReadUInt64LittleEndian(context) : 0;
}
