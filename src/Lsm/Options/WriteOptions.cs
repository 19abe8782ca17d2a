namespace ManagedKv.Lsm;

/// <summary>Options of one write.</summary>
public sealed class WriteOptions
{
    /// <summary>
    /// Make the write durable on power loss before acknowledging it (fsync of the WAL). Without it the write is still in
    /// the operating system's hands when acknowledged, so a process crash loses nothing. Default false.
    /// </summary>
    public bool Sync { get; set; }

    /// <summary>Skip the WAL: the write is lost on any crash before its memtable is flushed. Default false.</summary>
    public bool DisableWal { get; set; }

    internal static readonly WriteOptions Default = new();
}
