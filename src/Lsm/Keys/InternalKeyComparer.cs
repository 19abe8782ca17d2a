namespace ManagedKv.Lsm.Keys;

/// <summary><see cref="IComparer{T}"/> over internal keys held as arrays (for sorted metadata, not hot paths).</summary>
internal sealed class InternalKeyComparer : IComparer<byte[]>
{
    public static readonly InternalKeyComparer Instance = new();

    public int Compare(byte[]? x, byte[]? y) => InternalKey.Compare(x!, y!);
}
