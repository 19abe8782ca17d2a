namespace ManagedKv.RaftEngine;

/// <summary>
/// What scanning one log file produced: the valid batches (offsets and a copy of their items sections, in file
/// order), the length of valid data, dropped ranges, or the corruption that stops recovery. Written by one scan
/// thread, read by the replay thread after the scan completes.
/// </summary>
internal sealed class FileScanResult
{
    public FileScanResult(ulong seq, string path)
    {
        Seq = seq;
        Path = path;
    }

    public ulong Seq { get; }

    public string Path { get; }

    public long FileLength;

    /// <summary>Bytes of valid data; the file is cut to this length when it is shorter than <see cref="FileLength"/>.</summary>
    public long ValidLength;

    /// <summary>False when even the file header failed (the file holds nothing usable).</summary>
    public bool HeaderValid;

    /// <summary>The file's format version (valid when <see cref="HeaderValid"/>).</summary>
    public uint Version;

    /// <summary>Per batch: (data section offset in the file, start and length of its items in <see cref="Items"/>).</summary>
    public readonly List<(long DataOffset, int ItemsStart, int ItemsLength)> Batches = [];

    public readonly GrowableBuffer Items = new(0);

    public readonly List<CorruptedRange> Dropped = [];

    public CorruptionException? Error;
}
