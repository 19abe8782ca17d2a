using System.Globalization;

namespace ManagedKv.Lsm.Filter;

/// <summary>The first N bytes of keys of at least N bytes (<see cref="SliceTransform.Fixed"/>). Immutable.</summary>
internal sealed class FixedPrefixTransform : ISliceTransform
{
    private readonly int _length;

    public FixedPrefixTransform(int length)
    {
        _length = length;
        Name = "rocksdb.FixedPrefix." + length.ToString(CultureInfo.InvariantCulture);
    }

    public string Name { get; }

    public bool InDomain(ReadOnlySpan<byte> key) => key.Length >= _length;

    public ReadOnlySpan<byte> Transform(ReadOnlySpan<byte> key) => key[.._length];
}
