namespace ManagedKv.RaftEngine;

/// <summary>Options of a <see cref="RaftLogEngine"/>; read once by <see cref="RaftLogEngine.Open"/>.</summary>
public sealed class RaftEngineOptions
{
    /// <summary>The active file rotates once it would pass this size. Default 128 MiB; bounds 4 KiB – 2 GiB.</summary>
    public long TargetFileSize { get; set; } = 128L << 20;

    /// <summary>
    /// Entry blocks (one region's entries in one batch) of at least this many bytes are LZ4-compressed when that
    /// saves space. Default 8 KiB; 0 disables compression.
    /// </summary>
    public int BatchCompressionThreshold { get; set; } = 8 << 10;

    /// <summary>How recovery treats corrupted data. Default <see cref="RecoveryMode.TolerateTailCorruption"/>.</summary>
    public RecoveryMode RecoveryMode { get; set; } = RecoveryMode.TolerateTailCorruption;

    /// <summary>Files scanned in parallel during recovery. Default: the processor count; at least 1.</summary>
    public int RecoveryThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// When the files other than the active one hold more than this many bytes, <see cref="RaftLogEngine.PurgeExpiredFiles"/>
    /// rewrites the live data of the oldest files (all but the newest half of this size) so they can be deleted.
    /// Default 10 GiB; at least 1.
    /// </summary>
    public long PurgeThreshold { get; set; } = 10L << 30;

    /// <summary>
    /// A region whose live entries exceed this many bytes is not rewritten by purge; it is returned by
    /// <see cref="RaftLogEngine.PurgeExpiredFiles"/> so the caller compacts it. Default 16 MiB; at least 0.
    /// </summary>
    public long PurgeRewriteMaxRegionBytes { get; set; } = 16L << 20;

    /// <summary>Bytes of decompressed entry blocks kept for reads. Default 8 MiB; 0 disables the cache.</summary>
    public long BlockCacheCapacity { get; set; } = 8L << 20;

    /// <summary>A write group stops collecting batches past this many bytes. Default 4 MiB; at least 1.</summary>
    public long MaxWriteGroupBytes { get; set; } = 4L << 20;

    /// <summary>
    /// Preallocate each new log file to <see cref="TargetFileSize"/> (posix_fallocate) so appends do not grow the
    /// file and a sync has no file size to commit. Default true.
    /// </summary>
    public bool PreallocateFiles { get; set; } = true;

    /// <summary>
    /// Purged files kept (renamed) for reuse as later active files, up to this many; 0 deletes purged files
    /// (raft-engine's enable-log-recycle). A recycled file's blocks are already written, so a synced append
    /// overwrites in place with no metadata commit (fdatasync about 3x faster than into fresh preallocated space on
    /// ext4). The pool takes up to this many times <see cref="TargetFileSize"/> of disk. Default 8.
    /// </summary>
    public int MaxRecycledFiles { get; set; } = 8;

    /// <summary>
    /// At open, fill the recycle pool up to <see cref="MaxRecycledFiles"/> with files of zeros
    /// (raft-engine's prefill-for-recycle), so that appends land in written blocks from the first file on. A
    /// one-time cost per directory: <see cref="MaxRecycledFiles"/> x <see cref="TargetFileSize"/> bytes written and
    /// synced during the first <see cref="RaftLogEngine.Open"/> (pool files persist; later opens only top the pool
    /// up). Default true.
    /// </summary>
    public bool PrefillForRecycle { get; set; } = true;

    /// <summary>
    /// Append by copying into a shared memory mapping of the active file (no system call per unsynced write; the
    /// bytes are in the page cache, so a killed process loses nothing written) instead of one positional write per
    /// write group; only for unsynced groups up to <see cref="MappedWriteMaxBytes"/>. Default true on 64-bit systems.
    /// </summary>
    public bool UseMemoryMappedWrites { get; set; } = Environment.Is64BitProcess;

    /// <summary>
    /// Linux: appended bytes per unit of background work. One background thread per engine starts the write-back of
    /// each such window of the active file once the writer has moved past it (sync_file_range, RocksDB's
    /// bytes_per_sync), so the fdatasync at rotation waits only for the tail, and with memory-mapped writes it gives
    /// the window's part of the mapping back first and pre-faults the windows ahead (see
    /// <see cref="BackgroundPrefault"/>). Durability is unchanged. 0 disables the background thread; otherwise 4 KiB
    /// – 1 GiB, rounded up to the page size (small windows cost a system call each). Default 1 MiB. Ignored elsewhere.
    /// </summary>
    public long WritebackWindowBytes { get; set; } = 1L << 20;

    /// <summary>
    /// Linux, with memory-mapped writes and <see cref="WritebackWindowBytes"/> on: the background thread faults the
    /// next window of the mapping in writable (MADV_POPULATE_WRITE, Linux 5.14+; skipped silently on older kernels)
    /// before the writer reaches it. Default true.
    /// </summary>
    public bool BackgroundPrefault { get; set; } = true;

    /// <summary>
    /// With <see cref="UseMemoryMappedWrites"/>: the largest unsynced write group copied into the mapping; a larger
    /// one is written with one positional write. A copy into the mapping costs no system call but page-table work
    /// per page (fault, dirtying, unmapping); a positional write costs one system call and dirties whole cached
    /// folios, so it is cheaper for large groups (perf/RaftEngine/README.md). Default 8 KiB; at least 0.
    /// </summary>
    public int MappedWriteMaxBytes { get; set; } = 8 << 10;

    /// <summary>
    /// Linux: <see cref="RaftLogEngine.PurgeExpiredFiles"/> drops the page cache (POSIX_FADV_DONTNEED, on the
    /// background thread) of the old files it leaves in place because rewriting their live data would not pay: the
    /// files older than the newest <see cref="PurgeThreshold"/> / 2 bytes, once purge is past the threshold. Appends
    /// then go to new files, and their pages reuse that memory instead of pages the kernel has not handed out
    /// recently, which cost several times more to fill in a virtual machine (perf/RaftEngine/README.md). Reads of
    /// dropped files come from the device; a dropped file that is recycled later is read back into the cache first
    /// (unless synced groups are written directly). Default true.
    /// </summary>
    public bool DropPinnedFileCache { get; set; } = true;

    /// <summary>
    /// Linux: write a synced write group with one direct durable write (O_DIRECT | O_DSYNC: no page cache, the write
    /// returns once the device has the bytes) instead of a buffered write followed by fdatasync, when the active file
    /// is preallocated or recycled and nothing appended before the group is waiting for a sync (after unsynced appends
    /// the first synced group still takes write + fdatasync, and in a file where unsynced groups were copied through
    /// the pre-faulted mapping every synced group does). Faster per sync on ext4 (perf/RaftEngine/README.md),
    /// and with the file system's alignment (usually 512 bytes) a sync rewrites one partial sector instead of a
    /// partial page. The durability contract is unchanged. Falls back to the buffered path where the platform or file
    /// system refuses direct I/O. Default true.
    /// </summary>
    public bool DirectSyncedWrites { get; set; } = true;

    /// <summary>
    /// With <see cref="DirectSyncedWrites"/>: the unit of direct writes, a power of two; 0 (default) uses the file
    /// system's direct-I/O alignment (statx, Linux 6.1+; the page size where the kernel does not report it). A larger
    /// value than the file system's rounds every direct write out to it (a partial unit is rewritten each sync).
    /// At most 64 KiB.
    /// </summary>
    public int DirectWriteAlignment { get; set; }

    internal void Validate()
    {
        if (TargetFileSize < 4096 || TargetFileSize > (2L << 30))
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(TargetFileSize), $"TargetFileSize {TargetFileSize} is outside 4 KiB – 2 GiB.");
        }
        if (BatchCompressionThreshold < 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(BatchCompressionThreshold), "BatchCompressionThreshold must be >= 0.");
        }
        if (RecoveryThreads < 1)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(RecoveryThreads), "RecoveryThreads must be >= 1.");
        }
        if (PurgeThreshold < 1 || PurgeRewriteMaxRegionBytes < 0 || BlockCacheCapacity < 0 || MaxWriteGroupBytes < 1 || MaxRecycledFiles < 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(PurgeThreshold), "Purge, cache and group sizes must be positive.");
        }
        if (MappedWriteMaxBytes < 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(MappedWriteMaxBytes), "MappedWriteMaxBytes must be >= 0.");
        }
        if (WritebackWindowBytes != 0 && (WritebackWindowBytes < 4096 || WritebackWindowBytes > (1L << 30)))
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(WritebackWindowBytes), $"WritebackWindowBytes {WritebackWindowBytes} is neither 0 nor within 4 KiB – 1 GiB.");
        }
        if (DirectWriteAlignment != 0 && (DirectWriteAlignment < 512 || DirectWriteAlignment > (64 << 10) || (DirectWriteAlignment & (DirectWriteAlignment - 1)) != 0))
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(DirectWriteAlignment), $"DirectWriteAlignment {DirectWriteAlignment} is neither 0 nor a power of two within 512 B – 64 KiB.");
        }
        if (!Enum.IsDefined(RecoveryMode))
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(RecoveryMode), $"Unknown recovery mode {RecoveryMode}.");
        }
    }
}
