using System.Globalization;

namespace ManagedKv.Lsm.Filter;

/// <summary>At most the first N bytes of any key (<see cref="SliceTransform.Capped"/>). Immutable.</summary>
internal sealed class CappedPrefixTransform : ISliceTransform
{
    private readonly int _length;

    public CappedPrefixTransform(int length)
    {
        _length = length;
        Name = "rocksdb.CappedPrefix." + length.ToString(CultureInfo.InvariantCulture);
    }

    public string Name { get; }

    public bool InDomain(ReadOnlySpan<byte> key) => true;

    public ReadOnlySpan<byte> Transform(ReadOnlySpan<byte> key) => key.Length <= _length ? key : key[.._length];
}
