namespace ManagedKv.Lsm;

/// <summary>
/// Collects user properties of one SST while it is written (RocksDB's TablePropertiesCollector): the writer calls
/// <see cref="Add"/> for every entry the file receives, in the file's key order, then <see cref="Finish"/> once; the
/// returned properties are stored in the file's properties block and read back as
/// <see cref="TableProperties.UserCollectedProperties"/>. A collector is created per file by its
/// <see cref="ITablePropertiesCollectorFactory"/> and driven by one thread (a flush, a compaction or an
/// <c>SstFileWriter</c>); it need not be thread-safe. An exception thrown by a collector fails the write of the file
/// (the flush or compaction becomes a background error).
/// </summary>
public interface ITablePropertiesCollector
{
    /// <summary>Name of the collector (for diagnostics).</summary>
    string Name { get; }

    /// <summary>
    /// Called for every entry, in ascending internal-key order (user key ascending, newest version first).
    /// </summary>
    /// <param name="key">The user key (without the sequence trailer).</param>
    /// <param name="value">The value; empty for a deletion.</param>
    /// <param name="type">What the entry is.</param>
    /// <param name="sequence">The entry's sequence number (0 in files written by <c>SstFileWriter</c>).</param>
    /// <param name="fileSize">Bytes of the blocks written to the file so far (RocksDB's file_size; never decreases).</param>
    void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, EntryType type, ulong sequence, long fileSize);

    /// <summary>
    /// Called once after the last entry; returns the properties to store (name → value). Names must not start with
    /// <c>rocksdb.</c> or <c>managedkv.</c> (reserved for built-in properties), and two collectors of one column
    /// family must not return the same name.
    /// </summary>
    IReadOnlyDictionary<string, byte[]> Finish();
}
