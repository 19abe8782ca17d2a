namespace ManagedKv.Perf;

/// <summary>What one store did under one <see cref="AppendWorkload"/>.</summary>
/// <param name="OpenSeconds">Time to open the fresh store (RaftEngine: includes prefilling its recycle pool).</param>
/// <param name="OpenDiskBytes">Bytes written while opening (the prefill): a one-time cost, not in the wamp.</param>
/// <param name="DiskReadBytes">Bytes read from storage during the run (RaftEngine: re-caching recycled files).</param>
/// <param name="StoredBytes">
/// All bytes the writers asked the store to keep: the entries' payload plus, per append, the Raft state's key and
/// value (the store's own state key: RaftEngine's "raft_state", RocksDB's and the LSM's 11-byte state key).
/// </param>
internal readonly record struct AppendResult(long Entries, long PayloadBytes, double Seconds, long DiskBytes, long StoreBytes, double OpenSeconds, long OpenDiskBytes, long DiskReadBytes, long StoredBytes)
{
    public double EntriesPerSecond => Entries / Seconds;

    public double MegabytesPerSecond => PayloadBytes / Seconds / (1 << 20);

    /// <summary>Bytes the process sent to storage per payload byte (/proc/self/io write_bytes).</summary>
    public double DiskWriteAmplification => PayloadBytes == 0 ? 0 : (double)DiskBytes / PayloadBytes;

    /// <summary>
    /// Bytes the process sent to storage per byte the writers asked to store: entries plus the Raft state key and value
    /// of every append (<see cref="StoredBytes"/>). At most <see cref="DiskWriteAmplification"/>.
    /// </summary>
    public double DiskWriteAmplificationAll => StoredBytes == 0 ? 0 : (double)DiskBytes / StoredBytes;

    /// <summary>Bytes the store appended to its files per payload byte (RaftEngine's own count; 0 if unknown).</summary>
    public double StoreWriteAmplification => PayloadBytes == 0 ? 0 : (double)StoreBytes / PayloadBytes;
}
