using Microsoft.Win32.SafeHandles;

namespace ManagedKv.RaftEngine;

/// <summary>
/// One log file: its sequence number, path and the single handle shared by the writer and all readers
/// (positional I/O only). Reference-counted: the pipe holds one reference until the file is purged, each reader
/// holds one while it reads, and the handle closes when the last is released, so a purge never pulls a file from
/// under a reader. Thread-safe.
/// </summary>
internal sealed class LogFile
{
    private int _refs = 1;
    private long _size;
    private int _cacheDropped;

    public LogFile(ulong seq, string path, SafeFileHandle handle, long size)
    {
        Seq = seq;
        Path = path;
        Handle = handle;
        _size = size;
    }

    public ulong Seq { get; }

    public string Path { get; }

    public SafeFileHandle Handle { get; }

    /// <summary>Bytes of valid data (header included). Grows only while the file is active.</summary>
    public long Size
    {
        get => Volatile.Read(ref _size);
        set => Volatile.Write(ref _size, value);
    }

    /// <summary>
    /// Whether the file's cached pages were dropped (<see cref="RaftEngineOptions.DropPinnedFileCache"/>); set once, by
    /// purge, before the drop is queued.
    /// </summary>
    public bool CacheDropped
    {
        get => Volatile.Read(ref _cacheDropped) != 0;
        set => Volatile.Write(ref _cacheDropped, value ? 1 : 0);
    }

    /// <summary>Takes a reader reference; false if the file has already been released by the pipe.</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            int refs = Volatile.Read(ref _refs);
            if (refs == 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _refs, refs + 1, refs) == refs)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Takes the file back from the pipe for reuse (recycling): succeeds only while the pipe's reference is the only
    /// one, after which readers can no longer acquire it and the caller owns (and disposes) the handle.
    /// </summary>
    public bool TryClaim() => Interlocked.CompareExchange(ref _refs, 0, 1) == 1;

    public void Release()
    {
        int refs = Interlocked.Decrement(ref _refs);
        if (refs == 0)
        {
            Handle.Dispose();
        }
        else if (refs < 0)
        {
            ThrowHelper.ThrowInvalidOperation($"Log file {Seq} released more often than acquired.");
        }
    }

    /// <summary>Reads exactly <paramref name="destination"/>.Length bytes at <paramref name="offset"/>.</summary>
    public void ReadExactly(long offset, Span<byte> destination)
    {
        int done = 0;
        while (done < destination.Length)
        {
            int n = RandomAccess.Read(Handle, destination[done..], offset + done);
            if (n == 0)
            {
                ThrowHelper.ThrowCorruption(Path, offset, $"block of {destination.Length} bytes extends past the end of the file");
            }
            done += n;
        }
    }
}
