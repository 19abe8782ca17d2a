namespace ManagedKv.Raft;

/// <summary>Compares byte memory by content (keys of the pending read map), so a lookup by a received context
/// needs no copy.</summary>
internal sealed class ByteMemoryComparer : IEqualityComparer<ReadOnlyMemory<byte>>
{
    public static readonly ByteMemoryComparer Instance = new();

    public bool Equals(ReadOnlyMemory<byte> x, ReadOnlyMemory<byte> y) => x.Span.SequenceEqual(y.Span);

    public int GetHashCode(ReadOnlyMemory<byte> obj)
    {
        var hash = new HashCode();
        hash.AddBytes(obj.Span);
        return hash.ToHashCode();
    }
}
