namespace ManagedKv.RaftEngine;

/// <summary>Memory held by a <see cref="RaftLogEngine"/>, from <see cref="RaftLogEngine.GetMemoryUsage"/>.</summary>
/// <param name="IndexBytes">Region indexes: entry runs, per-entry offsets, states, per-region overhead.</param>
/// <param name="BlockCacheBytes">Decompressed entry blocks cached for reads.</param>
/// <param name="RegionCount">Regions in the index.</param>
/// <param name="EntryCount">Live entries over all regions.</param>
public readonly record struct RaftEngineMemoryUsage(long IndexBytes, long BlockCacheBytes, int RegionCount, long EntryCount)
{
    /// <summary>Native buffer of the direct synced writes (<see cref="RaftEngineOptions.DirectSyncedWrites"/>).</summary>
    public long WriteBufferBytes { get; init; }

    /// <summary>Index, cache and write buffer together.</summary>
    public long TotalBytes => IndexBytes + BlockCacheBytes + WriteBufferBytes;
}
