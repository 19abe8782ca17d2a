namespace ManagedKv.Lsm;

/// <summary>
/// The MVCC-statistics seam (TiKV's MvccPropertiesCollectorFactory): creates collectors that classify every entry of
/// an SST with a caller-supplied <see cref="IMvccEntryDecoder"/> and store <see cref="MvccProperties"/> in the file,
/// so GC can skip files with nothing to collect (read them back with
/// <see cref="LsmDb.GetPropertiesOfTablesInRange(ColumnFamily, IReadOnlyList{KeyRange})"/> and
/// <see cref="MvccProperties.TryGet"/>). Thread-safe when the decoder is.
/// </summary>
public sealed class MvccPropertiesCollectorFactory : ITablePropertiesCollectorFactory
{
    private readonly IMvccEntryDecoder _decoder;

    /// <summary>A factory decoding entries with <paramref name="decoder"/>.</summary>
    public MvccPropertiesCollectorFactory(IMvccEntryDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        _decoder = decoder;
    }

    /// <inheritdoc/>
    public string Name => "MvccPropertiesCollector";

    /// <inheritdoc/>
    public ITablePropertiesCollector CreateTablePropertiesCollector(TablePropertiesCollectorContext context) => new MvccPropertiesCollector(_decoder);
}
