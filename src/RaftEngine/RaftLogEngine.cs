namespace ManagedKv.RaftEngine;

/// <summary>
/// An append-only store for the Raft logs and small key-value states of many regions (tikv/raft-engine's design).
/// Every <see cref="Write"/> appends one checksummed <see cref="LogBatch"/> to the active log file, then applies it
/// to an in-memory index of (file, offset, length) runs per region; reads go through positional reads. Files
/// rotate at <see cref="RaftEngineOptions.TargetFileSize"/>; <see cref="PurgeExpiredFiles"/> rewrites the live
/// data of old files and deletes them. <see cref="Open"/> rebuilds the index by scanning the files in parallel.
/// </summary>
/// <remarks>
/// Thread-safe: any number of threads may write and read at once. Writers are grouped: one leader writes a whole
/// group with one system call and at most one fsync (see <see cref="WriteQueue"/>). A write is in the operating
/// system before <see cref="Write"/> returns, so a process crash loses no acknowledged write even without sync;
/// with sync it also survives power loss. After a failed write or sync the engine refuses writes until reopened.
/// </remarks>
public sealed partial class RaftLogEngine : IDisposable
{
    private const string LockFileName = "LOCK";

    private readonly string _directory;
    private readonly RaftEngineOptions _options;
    private readonly FileStream _lockFile;
    private readonly LogPipe _pipe;
    private readonly IndexMap _index;
    private readonly WriteQueue _queue = new();
    private readonly BlockCache _cache;
    private int _disposed;

    private RaftLogEngine(string directory, RaftEngineOptions options, FileStream lockFile, LogPipe pipe, IndexMap index, RecoveryReport report)
    {
        _directory = directory;
        _options = options;
        _lockFile = lockFile;
        _pipe = pipe;
        _index = index;
        _cache = new BlockCache(options.BlockCacheCapacity);
        RecoveryReport = report;
    }

    /// <summary>
    /// Opens (creating if needed) the engine in <paramref name="dir"/>, recovering the index from its files under
    /// <paramref name="options"/>' recovery mode. Throws <see cref="CorruptionException"/> when the mode does not
    /// tolerate what was found, <see cref="IOException"/> if another engine holds the directory.
    /// </summary>
    public static RaftLogEngine Open(string dir, RaftEngineOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        string directory = Path.GetFullPath(dir);
        System.IO.Directory.CreateDirectory(directory);
        FileStream lockFile = new(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        LogPipe? pipe = null;
        try
        {
            var index = new IndexMap();
            var files = new List<(ulong Seq, long ValidLength)>();
            var recycled = new List<string>();
            RecoveryReport report = LogRecovery.Recover(directory, options, index, files, recycled, out ulong nextSeq);
            pipe = LogPipe.Open(directory, options, files, recycled, nextSeq);
            return new RaftLogEngine(directory, options, lockFile, pipe, index, report);
        }
        catch
        {
            pipe?.Dispose();
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>Tests: the file pipe.</summary>
    internal LogPipe Pipe => _pipe;

    /// <summary>The engine's directory.</summary>
    public string Directory => _directory;

    /// <summary>What recovery found when the engine was opened.</summary>
    public RecoveryReport RecoveryReport { get; }

    /// <summary>Number of log files, the active one included.</summary>
    public int FileCount => _pipe.FileCount;

    /// <summary>Bytes of data in all log files (preallocated space and files kept for recycling not counted).</summary>
    public long TotalFileBytes => _pipe.TotalBytes;

    /// <summary>Purged files kept for reuse (<see cref="RaftEngineOptions.MaxRecycledFiles"/>).</summary>
    public int RecycledFileCount => _pipe.RecycledCount;

    /// <summary>Active files since open that were recycled purged files rather than new ones.</summary>
    public long RecycledFileReuses => _pipe.RecycledReuses;

    /// <summary>Files <see cref="RaftEngineOptions.PrefillForRecycle"/> wrote into the recycle pool at open.</summary>
    public int PrefilledFileCount => _pipe.PrefilledFiles;

    /// <summary>Bytes <see cref="RaftEngineOptions.PrefillForRecycle"/> wrote at open: a one-time cost, not an append's.</summary>
    public long PrefillBytes => _pipe.PrefillBytes;

    /// <summary>
    /// Bytes of recycle-pool files asked back into the page cache since open (reads only, asynchronous readahead),
    /// so that appends into a reused file dirty single pages (src/RaftEngine/FORMAT.md, "Recycling").
    /// </summary>
    public long RecycleRecacheBytes => _pipe.RecacheBytes;

    /// <summary>
    /// Bytes of the active files whose write-back the background thread started once the writer had moved past them
    /// (<see cref="RaftEngineOptions.WritebackWindowBytes"/>); 0 without the background thread.
    /// </summary>
    public long EarlyWritebackBytes => _pipe.EarlyWritebackBytes;

    /// <summary>Bytes of the write mapping the background thread faulted in ahead of the writer (<see cref="RaftEngineOptions.BackgroundPrefault"/>).</summary>
    public long PrefaultedBytes => _pipe.PrefaultedBytes;

    /// <summary>Old log files whose page cache was dropped since open (<see cref="RaftEngineOptions.DropPinnedFileCache"/>).</summary>
    public long DroppedCacheFiles => _pipe.CacheDrops;

    /// <summary>Bytes of synced write groups written with direct durable writes (<see cref="RaftEngineOptions.DirectSyncedWrites"/>).</summary>
    public long DirectWriteBytes => _pipe.DirectBytes;

    /// <summary>Memory held by the index, the block cache and the direct writes' buffer.</summary>
    public RaftEngineMemoryUsage GetMemoryUsage() =>
        new(_index.MemoryBytes, _cache.Size, _index.RegionCount, _index.EntryCount) { WriteBufferBytes = _pipe.DirectBufferBytes };

    /// <summary>Syncs the active file and closes the engine. Queued writes fail with <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        var closer = new Writer { Exclusive = true };
        _queue.Join(closer);
        try
        {
            if (_stickyError == null)
            {
                _pipe.Sync();
            }
        }
        finally
        {
            _pipe.Dispose();
            _lockFile.Dispose();
            _queue.Complete(closer, closer);
        }
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            ThrowHelper.ThrowObjectDisposed();
        }
    }
}
