namespace ManagedKv.Perf.Check;

/// <summary>Unsigned bytewise order over byte arrays, the engines' default key order, for the check's model.</summary>
internal sealed class BytewiseComparer : IComparer<byte[]>
{
    public static readonly BytewiseComparer Instance = new();

    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
}
