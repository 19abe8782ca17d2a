namespace ManagedKv.Lsm.Wal;

/// <summary>How a <see cref="WalWriter"/> hands records to the operating system.</summary>
internal sealed class WalWriterOptions
{
    /// <summary>The defaults: memory-mapped writes, 4 MiB first chunk growing to 64 MiB.</summary>
    public static WalWriterOptions Default { get; } = new();

    /// <summary>
    /// True (default): records are copied into a shared memory mapping of a preallocated file — no system call
    /// per record, and a process crash loses nothing because the page cache holds the bytes. False: one
    /// positional write() per record.
    /// </summary>
    public bool UseMemoryMappedWrites { get; init; } = true;

    /// <summary>Size of the first preallocated chunk of a memory-mapped log. Default 4 MiB; a multiple of 32 KiB, at least 32 KiB.</summary>
    public long InitialPreallocationBytes { get; init; } = 4L << 20;

    /// <summary>
    /// Each further chunk doubles up to this size. Default 8 MiB (only the current chunk is mapped, so the log adds at
    /// most this much to the process's RSS); at least <see cref="InitialPreallocationBytes"/>, a multiple of 32 KiB.
    /// </summary>
    public long MaxPreallocationBytes { get; init; } = 8L << 20;
}
