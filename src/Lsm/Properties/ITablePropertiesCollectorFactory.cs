namespace ManagedKv.Lsm;

/// <summary>
/// Creates a <see cref="ITablePropertiesCollector"/> for every SST a column family writes (flush, compaction) and for
/// every <c>SstFileWriter</c> file written with that column family's options. Listed in
/// <see cref="ColumnFamilyOptions.TablePropertiesCollectorFactories"/>. Called from background threads, possibly
/// concurrently: implementations must be thread-safe. Collectors are code supplied at every open; the MANIFEST
/// records their names (comma-separated, in list order) and an open whose names differ fails.
/// </summary>
public interface ITablePropertiesCollectorFactory
{
    /// <summary>The name recorded in the MANIFEST; stable across versions of the code. No commas.</summary>
    string Name { get; }

    /// <summary>A fresh collector for one file described by <paramref name="context"/>.</summary>
    ITablePropertiesCollector CreateTablePropertiesCollector(TablePropertiesCollectorContext context);
}
