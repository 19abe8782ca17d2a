namespace ManagedKv.Perf;

/// <summary>
/// A Raft log store under benchmark: our RaftEngine, or native RocksDB storing each entry as a key (the layout TiKV
/// used before raft-engine). Writers are per thread; <see cref="Fetch"/> and <see cref="Maintain"/> are thread-safe.
/// </summary>
internal interface IRaftLogStore : IDisposable
{
    string Name { get; }

    /// <summary>
    /// Bytes of the key the store keeps a region's Raft state under (the caller's bytes with the state value; counted
    /// in the write amplification over all stored bytes).
    /// </summary>
    int StateKeyLength { get; }

    /// <summary>A writer for one thread (it owns its batch buffers).</summary>
    IRaftLogWriter CreateWriter();

    /// <summary>Reads entries [begin, begin + count) of <paramref name="region"/>; returns the bytes read.</summary>
    long Fetch(ulong region, ulong begin, int count);

    /// <summary>Background upkeep between writes: purge for RaftEngine, nothing for RocksDB (it compacts itself).</summary>
    void Maintain();

    /// <summary>Makes everything written durable and settles background work before bytes are counted.</summary>
    void Settle();
}
