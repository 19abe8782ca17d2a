namespace ManagedKv.Lsm;

/// <summary>
/// Creates <see cref="RangePropertiesCollector"/>s (TiKV's RangePropertiesCollectorFactory): every file records a
/// sampled index of (key → bytes and entries before it) so the size and key count of any key range can be estimated
/// without reading data (<see cref="RangeProperties"/>, <see cref="LsmDb.GetRangeApproximateSizeAndKeys"/>).
/// Thread-safe.
/// </summary>
public sealed class RangePropertiesCollectorFactory : ITablePropertiesCollectorFactory
{
    /// <summary>Creates a factory sampling every <paramref name="sizeDistance"/> bytes or <paramref name="keysDistance"/> entries.</summary>
    /// <param name="sizeDistance">Bytes (user key + value) between samples; default 4 MiB (TiKV's), at least 1.</param>
    /// <param name="keysDistance">Entries between samples; default 40 960 (TiKV's), at least 1.</param>
    public RangePropertiesCollectorFactory(long sizeDistance = 4L << 20, long keysDistance = 40 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sizeDistance, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(keysDistance, 1);
        SizeDistance = sizeDistance;
        KeysDistance = keysDistance;
    }

    /// <summary>Bytes between samples.</summary>
    public long SizeDistance { get; }

    /// <summary>Entries between samples.</summary>
    public long KeysDistance { get; }

    /// <inheritdoc/>
    public string Name => "RangePropertiesCollector";

    /// <inheritdoc/>
    public ITablePropertiesCollector CreateTablePropertiesCollector(TablePropertiesCollectorContext context) =>
        new RangePropertiesCollector(SizeDistance, KeysDistance);
}
