namespace ManagedKv.Perf.Engines;

/// <summary>
/// What the db_bench-style workloads need from a storage engine. One instance is an open database in one
/// directory, opened by an <see cref="EngineDescriptor"/> with mirrored <see cref="EngineOptions"/>; disposing it
/// closes the database. All members may be called from several threads at once, except <see cref="IDisposable.Dispose"/>.
/// Implementations keep the per-operation paths allocation-free where the engine allows it, so the harness measures
/// the engine, not the adapter.
/// </summary>
internal interface IBenchEngine : IDisposable
{
    /// <summary>Engine name as given to --engines.</summary>
    string Name { get; }

    /// <summary>Writes one key; <paramref name="sync"/> makes it durable before returning (fsync of the WAL).</summary>
    void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool sync);

    void Delete(ReadOnlySpan<byte> key, bool sync);

    /// <summary>
    /// Looks a key up. Returns -1 when absent, else the value's full length; the first min(length, destination.Length)
    /// bytes are copied to <paramref name="destination"/>.
    /// </summary>
    int Get(ReadOnlySpan<byte> key, Span<byte> destination);

    /// <summary>A batch for <see cref="Write"/>; reusable after <see cref="IBenchWriteBatch.Clear"/>. One thread at a time.</summary>
    IBenchWriteBatch NewWriteBatch();

    /// <summary>Applies a batch from <see cref="NewWriteBatch"/> atomically.</summary>
    void Write(IBenchWriteBatch batch, bool sync);

    /// <summary>An iterator over the latest state (implicit snapshot). One thread at a time.</summary>
    IBenchIterator NewIterator();

    /// <summary>Flushes the memtable to a table file and waits for it.</summary>
    void Flush();

    /// <summary>Compacts the whole key range (CompactRange with no bounds), waiting for it.</summary>
    void CompactAll();

    /// <summary>Memory the engine reports holding (memtables, block cache, table readers), -1 if it cannot tell.</summary>
    long ApproximateMemoryBytes();

    /// <summary>Engine statistics worth recording with a result (level shape, cache usage, ...).</summary>
    IReadOnlyDictionary<string, string> GetStats();

    /// <summary>
    /// Whether a flush or compaction is running or due (RocksDB's properties rocksdb.num-running-flushes,
    /// rocksdb.num-running-compactions, rocksdb.compaction-pending, which both engines answer).
    /// </summary>
    bool BackgroundWorkPending();
}
