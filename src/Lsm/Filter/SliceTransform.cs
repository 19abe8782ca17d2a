using ManagedKv.Lsm.Filter;

namespace ManagedKv.Lsm;

/// <summary>
/// The built-in prefix extractors (RocksDB's NewFixedPrefixTransform / NewCappedPrefixTransform). Stateless,
/// thread-safe. For a custom extractor implement <see cref="ISliceTransform"/>.
/// </summary>
public static class SliceTransform
{
    /// <summary>
    /// The first <paramref name="length"/> bytes of a key; keys shorter than that are outside the domain (not
    /// prefix-filtered). Name "rocksdb.FixedPrefix.&lt;length&gt;".
    /// </summary>
    public static ISliceTransform Fixed(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        return new FixedPrefixTransform(length);
    }

    /// <summary>
    /// The first <paramref name="length"/> bytes of a key, or the whole key when it is shorter; every key is in the
    /// domain. Name "rocksdb.CappedPrefix.&lt;length&gt;".
    /// </summary>
    public static ISliceTransform Capped(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        return new CappedPrefixTransform(length);
    }
}
