namespace ManagedKv.Perf;

/// <summary>One append configuration of the RaftEngine benchmark.</summary>
/// <param name="Regions">Regions written; each is owned by one thread (Raft appends per region are ordered).</param>
/// <param name="EntrySize">Bytes per entry (random, incompressible).</param>
/// <param name="BatchEntries">Entries per write (one region per write).</param>
/// <param name="Sync">Whether each write waits for fsync.</param>
/// <param name="Threads">Writer threads (capped at <paramref name="Regions"/>).</param>
internal readonly record struct AppendWorkload(int Regions, int EntrySize, int BatchEntries, bool Sync, int Threads)
{
    /// <summary>Live entries kept per region: older ones are compacted away, as Raft log GC does.</summary>
    public const int KeepEntries = 256;

    public int EffectiveThreads => Math.Min(Threads, Regions);

    public override string ToString() =>
        $"regions={Regions,-5} size={EntrySize,-4} batch={BatchEntries,-2} sync={(Sync ? "on " : "off")} threads={EffectiveThreads,-2}";
}
