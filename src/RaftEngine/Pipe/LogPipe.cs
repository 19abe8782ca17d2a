using Microsoft.Win32.SafeHandles;

namespace ManagedKv.RaftEngine;

/// <summary>
/// The sequence of log files in one directory: the active file that takes appends, the older files that serve
/// reads until purged, rotation at the target size, and the pool of purged files kept for reuse. Knows files and
/// byte ranges, never regions.
/// </summary>
/// <remarks>
/// Active files are preallocated to the target size (or recycled: a purged file renamed and given a new header),
/// so appends do not change the file size and a sync is an fdatasync with no metadata to commit. Appends go either
/// through a shared memory mapping of the active file (a memcpy, no system call: the bytes are in the page cache,
/// so a killed process loses nothing written) or through one positional gather write; on Linux a synced group that
/// follows no unsynced append is one direct durable write instead (<see cref="DirectAppender"/>). On Linux a
/// <see cref="LogFlusher"/> thread takes each window the writer has moved past: unmaps it, starts its write-back,
/// and pre-faults the mapping ahead.
/// Threads: the append/rotate/sync methods are called only by the current write-group leader (one thread at a
/// time, serialized by <see cref="WriteQueue"/>); <see cref="TryAcquire"/> by any reader; purge calls
/// <see cref="DeleteFilesBefore"/> and <see cref="SnapshotFiles"/> from any thread.
/// </remarks>
internal sealed unsafe class LogPipe : IDisposable
{
    private readonly string _directory;
    private readonly long _targetFileSize;
    private readonly bool _preallocate;
    private readonly bool _mapped;
    private readonly long _mappedMax;
    private readonly int _maxRecycled;
    private readonly bool _prefill;
    private readonly long _window;
    private readonly bool _prefault;
    private readonly LogFlusher? _flusher;
    private readonly DirectAppender? _direct;

    // Guards _files and _recycled (membership only). Lock order: a region lock is never held while taking it.
    private readonly Lock _filesLock = new();

    // Invariant: sorted by Seq; the last element is _active.
    private readonly List<LogFile> _files = [];

    // Purged files waiting for reuse, oldest first.
    private readonly List<RecycledFile> _recycled = [];

    // Leader-only state.
    private LogFile _active = null!;
    private long _writeOffset;
    private bool _unsynced;
    // The file header followed by the end-of-data terminator.
    private readonly byte[] _fileHeader = new byte[LogFileFormat.HeaderSize + BatchFormat.TerminatorSize];
    private readonly List<ReadOnlyMemory<byte>> _gather = [];
    private long _recycledReuses;
    private long _cacheDrops;
    private long _prefillBytes;
    private long _recacheBytes;
    private int _recacheSkips;
    // Written by the leader, read by purge: bytes appended, and those of them in groups that were synced.
    private long _appendedBytes;
    private long _syncedBytes;
    // Purge only (callers serialize DeleteFilesBefore): the counts at the last recycling.
    private long _appendedAtRecycle;
    private long _syncedAtRecycle;
    private long _directAtRecycle;
    private int _prefilledFiles;

    // Mapped mode, leader-only: the active file mapped from offset 0 for _mappedLength bytes.
    private ActiveMapping? _mapping;
    private byte* _base;
    private long _mappedLength;

    // With a flusher, leader-only: [0, _retiredTo) of the active file is handed to the flusher (unmapped, write-back
    // started); [.., _populatedTo) of the mapping was queued for pre-faulting. Window-aligned.
    private long _retiredTo;
    private long _populatedTo;
    // Whether the last append was an unsynced one through the mapping (the next file's first windows are then
    // pre-faulted).
    private bool _lastMapped;

    // Written after every append (FORMAT.md, "End of data"): the bytes after the data always read as a zero header,
    // even in a recycled file full of a previous life's batches.
    private static readonly ReadOnlyMemory<byte> s_terminator = new byte[BatchFormat.TerminatorSize];

    private LogPipe(string directory, RaftEngineOptions options)
    {
        _directory = directory;
        _targetFileSize = options.TargetFileSize;
        _preallocate = options.PreallocateFiles;
        _mapped = options.UseMemoryMappedWrites;
        _mappedMax = options.MappedWriteMaxBytes;
        _maxRecycled = options.MaxRecycledFiles;
        _prefill = options.PrefillForRecycle;
        if (OperatingSystem.IsLinux() && options.WritebackWindowBytes > 0)
        {
            long page = Environment.SystemPageSize;
            _window = (options.WritebackWindowBytes + page - 1) / page * page;
            _prefault = _mapped && options.BackgroundPrefault;
            _flusher = new LogFlusher(directory);
        }
        if (options.DirectSyncedWrites && NativeDirectIo.Supported)
        {
            _direct = new DirectAppender(options.DirectWriteAlignment);
        }
    }

    /// <summary>
    /// Opens the pipe over the recovered files (sorted by sequence, each with its valid length) and the recycle
    /// pool found on disk, and starts a new active file numbered <paramref name="nextSeq"/>.
    /// </summary>
    public static LogPipe Open(string directory, RaftEngineOptions options, IReadOnlyList<(ulong Seq, long ValidLength)> existing, IReadOnlyList<string> recycled, ulong nextSeq)
    {
        var pipe = new LogPipe(directory, options);
        try
        {
            foreach ((ulong seq, long length) in existing)
            {
                string path = System.IO.Path.Combine(directory, LogFileFormat.FileName(seq));
                SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                pipe._files.Add(new LogFile(seq, path, handle, length));
            }
            bool deleted = false;
            foreach (string path in recycled)
            {
                if (pipe._recycled.Count < pipe._maxRecycled)
                {
                    pipe._recycled.Add(new RecycledFile(path, null));
                }
                else
                {
                    File.Delete(path);
                    deleted = true;
                }
            }
            if (deleted)
            {
                DirectorySync.Sync(directory);
            }
            if (pipe._prefill)
            {
                nextSeq = pipe.PrefillPool(nextSeq);
            }
            pipe.CreateActive(nextSeq);
        }
        catch
        {
            pipe.Dispose();
            throw;
        }
        return pipe;
    }

    public string Directory => _directory;

    /// <summary>Sequence number of the active file. Leader only.</summary>
    public ulong ActiveSeq => _active.Seq;

    /// <summary>Where the next append lands in the active file. Leader only.</summary>
    public long WriteOffset => _writeOffset;

    /// <summary>How many active files were recycled purged files rather than new ones.</summary>
    public long RecycledReuses => Interlocked.Read(ref _recycledReuses);

    /// <summary>Files written by <see cref="RaftEngineOptions.PrefillForRecycle"/> at open.</summary>
    public int PrefilledFiles => _prefilledFiles;

    /// <summary>Bytes written by the prefill at open (zeros, synced).</summary>
    public long PrefillBytes => _prefillBytes;

    /// <summary>Bytes of pool files asked back into the page cache in single pages (at open and at each recycling).</summary>
    public long RecacheBytes => Interlocked.Read(ref _recacheBytes);

    /// <summary>The background thread (Linux, <see cref="RaftEngineOptions.WritebackWindowBytes"/> on), else null.</summary>
    internal LogFlusher? Flusher => _flusher;

    /// <summary>Files that entered the recycle pool without a re-cache: the appends before them were not synced.</summary>
    public int RecacheSkips => Volatile.Read(ref _recacheSkips);

    /// <summary>Bytes whose write-back the background thread started before a sync needed them.</summary>
    public long EarlyWritebackBytes => _flusher?.WritebackBytes ?? 0;

    /// <summary>Bytes of synced groups written with direct durable writes (<see cref="DirectAppender"/>).</summary>
    public long DirectBytes => _direct?.Bytes ?? 0;

    /// <summary>Native memory of the direct writes' aligned buffer.</summary>
    public long DirectBufferBytes => _direct?.BufferBytes ?? 0;

    /// <summary>Bytes of the mapping the background thread pre-faulted writable.</summary>
    public long PrefaultedBytes => _flusher?.PopulatedBytes ?? 0;

    /// <summary>Old log files whose cached pages were dropped (<see cref="DropCachesUpTo"/>).</summary>
    public long CacheDrops => Interlocked.Read(ref _cacheDrops);

    /// <summary>Purged files waiting for reuse.</summary>
    public int RecycledCount
    {
        get
        {
            lock (_filesLock)
            {
                return _recycled.Count;
            }
        }
    }

    /// <summary>Rotates first if <paramref name="length"/> more bytes would pass the target size. Leader only.</summary>
    public void PrepareAppend(long length)
    {
        if (_writeOffset > LogFileFormat.HeaderSize
            && (_writeOffset + length > _targetFileSize || _writeOffset + length > uint.MaxValue))
        {
            Rotate();
        }
    }

    /// <summary>
    /// Writes the segments back to back at the write offset: a copy into the mapping, or one gather write. A group
    /// about to be synced (<paramref name="syncNext"/>) is written with the gather write even in mapped mode: the
    /// system call is nothing next to the sync, and pages dirtied through a mapping cost more to write back (each
    /// sync write-protects them, and the next copy faults them writable again). So is a group larger than
    /// <see cref="RaftEngineOptions.MappedWriteMaxBytes"/>: one system call costs less than the page-table work of
    /// copying it through the mapping. Both paths share the page cache. On Linux a group about to be synced, when
    /// nothing appended before it awaits a sync, is written with one direct durable write (<see cref="AppendDirect"/>),
    /// after which <see cref="Sync"/> has nothing to do.
    /// </summary>
    public void Append(IReadOnlyList<ReadOnlyMemory<byte>> segments, long length, bool syncNext)
    {
        _flusher?.ThrowIfFailed();
        if (syncNext)
        {
            _lastMapped = false;
            if (!_unsynced && _direct != null && AppendDirect(segments, length))
            {
                return;
            }
        }
        _unsynced = true;
        bool mapped = _mapping != null && !syncNext && length <= _mappedMax && _writeOffset + length + BatchFormat.TerminatorSize <= _mappedLength;
        if (mapped)
        {
            AppendMapped(segments, length);
        }
        else
        {
            _gather.Clear();
            for (int i = 0; i < segments.Count; i++)
            {
                _gather.Add(segments[i]);
            }
            _gather.Add(s_terminator);
            try
            {
                RandomAccess.Write(_active.Handle, _gather, _writeOffset);
            }
            finally
            {
                _gather.Clear();
            }
        }
        _writeOffset += length;
        _active.Size = _writeOffset;
        Volatile.Write(ref _appendedBytes, _appendedBytes + length);
        if (syncNext)
        {
            Volatile.Write(ref _syncedBytes, _syncedBytes + length);
        }
        if (_flusher != null && !syncNext)
        {
            // A synced group's windows are written back by its own sync; the next unsynced one hands them off.
            HandOff(mapped);
        }
    }

    // A synced group as one durable direct write (DirectAppender), when everything appended before it is durable
    // already (the sync after a direct write has nothing left to do; a direct write makes only its own range durable,
    // so after unsynced appends the buffered write + fdatasync runs once). False: nothing written, take the buffered
    // path. Never in a file where the flusher was asked to pre-fault the mapping (unsynced appends went through it):
    // a page it faults in over the direct write's range while the write is in flight could be left dirty with the
    // device's old bytes. Waiting for the flusher instead would put its queued write-backs in front of every synced
    // write; a workload that mixes mapped unsynced appends with synced ones takes the buffered path in that file.
    private bool AppendDirect(IReadOnlyList<ReadOnlyMemory<byte>> segments, long length)
    {
        if (!_direct!.Attached || _populatedTo > 0)
        {
            return false;
        }
        if (!_direct.TryAppend(segments, length, _writeOffset, _active))
        {
            return false;
        }
        _writeOffset += length;
        _active.Size = _writeOffset;
        // Counted as appended, not as synced: the synced count decides the re-cache of recycled files, which only
        // pays for buffered synced appends (direct writes drop the cached pages they cover anyway).
        Volatile.Write(ref _appendedBytes, _appendedBytes + length);
        return true;
    }

    // Hands the windows the writer has moved past to the flusher (no append touches bytes below the write offset
    // again: the next one starts there), and queues pre-faulting up to the end of the window after the current one.
    private void HandOff(bool mapped)
    {
        _lastMapped = mapped;
        long passed = _writeOffset / _window * _window;
        if (passed > _retiredTo)
        {
            _flusher!.Writeback(_mapping, _active, _retiredTo, passed);
            _retiredTo = passed;
        }
        if (mapped && _prefault)
        {
            _mapping!.WriterOffset = _writeOffset;
            QueuePrefault(Math.Min(_mappedLength, passed + 2 * _window));
        }
    }

    private void QueuePrefault(long to)
    {
        // Whole windows only: the tail of the last window is left to fault on touch.
        to = to / _window * _window;
        if (to > _populatedTo)
        {
            _flusher!.Populate(_mapping!, Math.Max(_populatedTo, _retiredTo), to);
            _populatedTo = to;
        }
    }

    // The terminator first, the group's first 16 bytes (its first batch header, at most 14 bytes, and the start of
    // its items) last: a process killed mid-copy leaves the previous terminator's zeros at the write offset, which
    // recovery reads as the clean end of the data.
    private void AppendMapped(IReadOnlyList<ReadOnlyMemory<byte>> segments, long length)
    {
        byte* destination = _base + _writeOffset;
        new Span<byte>(destination + length, BatchFormat.TerminatorSize).Clear();
        ReadOnlySpan<byte> first = segments[0].Span;
        int held = Math.Min(first.Length, BatchFormat.TerminatorSize);
        first[held..].CopyTo(new Span<byte>(destination + held, first.Length - held));
        long position = first.Length;
        for (int i = 1; i < segments.Count; i++)
        {
            ReadOnlySpan<byte> segment = segments[i].Span;
            segment.CopyTo(new Span<byte>(destination + position, segment.Length));
            position += segment.Length;
        }
        first[..held].CopyTo(new Span<byte>(destination, held));
    }

    /// <summary>Forces the active file's appended bytes to the device (fdatasync). Leader only.</summary>
    public void Sync()
    {
        _flusher?.ThrowIfFailed();
        if (_unsynced)
        {
            if (!OperatingSystem.IsLinux())
            {
                // Linux writes a shared mapping's dirty pages back on fdatasync; other systems need the view flushed.
                _mapping?.Flush();
            }
            NativeFile.DataSync(_active.Handle, _active.Path);
            _unsynced = false;
        }
    }

    /// <summary>Syncs the active file, stops appending to it and starts the next one. Leader only.</summary>
    public void Rotate()
    {
        if (OperatingSystem.IsLinux())
        {
            // Unmap first: fdatasync of pages still mapped write-protects each one (a TLB flush per page, an IPI to
            // the other cores); unmapped dirty pages are written back with no page-table work. The flusher is done
            // with the mapping first (pre-faults still queued are skipped), and its write-backs are in flight, so
            // the sync waits for the tail only. The old file is synced before the next file's header is made
            // durable (FORMAT.md, "Recovery": prevLength).
            if (_flusher != null)
            {
                if (_mapping != null)
                {
                    _mapping.Closing = true;
                }
                _flusher.Drain();
            }
            ReleaseView();
            Sync();
        }
        else
        {
            Sync(); // flushes the view
            ReleaseView();
        }
        CreateActive(_active.Seq + 1);
    }

    private void CreateActive(ulong seq)
    {
        CheckSequence(seq);
        LogFile? previous;
        lock (_filesLock)
        {
            previous = _files.Count > 0 ? _files[^1] : null;
        }
        LogFileFormat.WriteHeader(_fileHeader, seq, previous?.Seq ?? 0, previous?.Size ?? 0);
        _fileHeader.AsSpan(LogFileFormat.HeaderSize).Clear();
        string path = System.IO.Path.Combine(_directory, LogFileFormat.FileName(seq));
        _direct?.Detach();
        SafeFileHandle handle = TryReuse(path) ?? CreateNew(path);
        var file = new LogFile(seq, path, handle, LogFileFormat.HeaderSize);
        try
        {
            long length = RandomAccess.GetLength(handle);
            if (_mapped)
            {
                Map(handle, path, Math.Max(length, LogFileFormat.HeaderSize));
            }
            if (length >= _targetFileSize)
            {
                // Preallocated or recycled: appends never extend the file (a direct write past the end would have to
                // commit the new size). Into written blocks (recycled, prefilled) a direct write has no metadata to
                // commit; into fallocated space it converts the extent, as the buffered write's sync does.
                _direct?.Attach(path, length);
            }
        }
        catch
        {
            file.Release();
            throw;
        }
        lock (_filesLock)
        {
            _files.Add(file);
        }
        _active = file;
        _writeOffset = LogFileFormat.HeaderSize;
        _unsynced = false;
        _retiredTo = 0;
        _populatedTo = 0;
        if (_prefault && _lastMapped && _mapping != null)
        {
            // Appends went through the mapping: have the first windows writable before they come.
            QueuePrefault(Math.Min(_mappedLength, 2 * _window));
        }
    }

    /// <summary>
    /// Drops the cached pages of every log file up to sequence <paramref name="seq"/> (never the active one) not
    /// dropped before; purge calls it for the old files it leaves in place because their live data would cost too much
    /// to rewrite (<see cref="RaftEngineOptions.DropPinnedFileCache"/>). They stay a while, and the files appended
    /// meanwhile are new ones (nothing is freed for recycling), whose page-cache pages would otherwise be pages the
    /// kernel has not handed out recently: in a virtual machine that returns free memory to its host, 3-5x the CPU
    /// of appending into reused pages (perf/RaftEngine/README.md). Dropped pages are reused by the next allocations.
    /// The files were synced at their rotation, so their pages are clean; reads of them come from the device, and a
    /// dropped file recycled later is re-cached first (<see cref="DeleteFilesBefore"/>). Returns how many were queued.
    /// Linux only (elsewhere 0).
    /// </summary>
    public int DropCachesUpTo(ulong seq)
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }
        List<LogFile>? drop = null;
        lock (_filesLock)
        {
            for (int i = 0; i < _files.Count - 1 && _files[i].Seq <= seq; i++)
            {
                LogFile f = _files[i];
                if (!f.CacheDropped && f.TryAcquire())
                {
                    f.CacheDropped = true;
                    (drop ??= []).Add(f);
                }
            }
        }
        if (drop == null)
        {
            return 0;
        }
        foreach (LogFile f in drop)
        {
            try
            {
                if (_flusher != null)
                {
                    _flusher.DropCache(f);
                }
                else
                {
                    NativeFile.DropCache(f.Handle);
                }
            }
            finally
            {
                f.Release();
            }
            Interlocked.Increment(ref _cacheDrops);
        }
        return drop.Count;
    }

    private void CheckSequence(ulong seq)
    {
        if (seq > LogFileFormat.MaxSequence)
        {
            throw new IOException($"The Raft log in '{_directory}' has used every file sequence number below 2^32.");
        }
    }

    // Prepares the recycle pool at open (raft-engine's prefill-for-recycle): files found in the pool are re-cached in
    // single pages, and the pool is topped up to its capacity with new files of zeros, so that even the first active
    // file overwrites written blocks. Each new file takes the next sequence number (never used by a log: sequences
    // stay unique) and is written under its prefill name, synced, then renamed into the pool; an interrupted prefill
    // leaves a prefill name, which recovery deletes. Returns the sequence number for the active file.
    private ulong PrefillPool(ulong nextSeq)
    {
        foreach (RecycledFile r in _recycled)
        {
            _recacheBytes += NativeFile.RecacheInSmallPages(r.Path);
        }
        int missing = _maxRecycled - _recycled.Count;
        if (missing <= 0)
        {
            return nextSeq;
        }
        // Zeros written 4 KiB per call: the page cache keeps a file in folios as large as the writes that made them,
        // and appends into a large cached folio would dirty (and account) all of it per sync (NativeFile).
        byte[] zeros = new byte[4096];
        for (int i = 0; i < missing; i++)
        {
            ulong seq = nextSeq++;
            CheckSequence(seq);
            string temporary = System.IO.Path.Combine(_directory, LogFileFormat.PrefillFileName(seq));
            string pooled = System.IO.Path.Combine(_directory, LogFileFormat.RecycleFileName(seq));
            using (SafeFileHandle handle = File.OpenHandle(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
            {
                if (_preallocate)
                {
                    NativeFile.Preallocate(handle, temporary, _targetFileSize);
                }
                for (long offset = 0; offset < _targetFileSize; offset += zeros.Length)
                {
                    int n = (int)Math.Min(zeros.Length, _targetFileSize - offset);
                    RandomAccess.Write(handle, zeros.AsSpan(0, n), offset);
                }
                NativeFile.DataSync(handle, temporary);
            }
            File.Move(temporary, pooled);
            _recycled.Add(new RecycledFile(pooled, null));
            _prefillBytes += _targetFileSize;
            _prefilledFiles++;
        }
        DirectorySync.Sync(_directory);
        return nextSeq;
    }

    // A new file: preallocated, header written, file and directory synced.
    private SafeFileHandle CreateNew(string path)
    {
        SafeFileHandle handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            if (_preallocate)
            {
                NativeFile.Preallocate(handle, path, _targetFileSize);
            }
            RandomAccess.Write(handle, _fileHeader, 0);
            RandomAccess.FlushToDisk(handle);
            DirectorySync.Sync(_directory);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        return handle;
    }

    // A recycled file, if one is free of readers: the new header is made durable under the recycle name first, then
    // the file is renamed to its log name, so a log name never shows a previous life's header.
    private SafeFileHandle? TryReuse(string path)
    {
        RecycledFile? pick = null;
        lock (_filesLock)
        {
            for (int i = 0; i < _recycled.Count; i++)
            {
                RecycledFile candidate = _recycled[i];
                if (candidate.File == null || candidate.File.TryClaim())
                {
                    pick = candidate;
                    _recycled.RemoveAt(i);
                    break;
                }
            }
        }
        if (pick == null)
        {
            return null;
        }
        pick.File?.Handle.Dispose();
        SafeFileHandle handle = File.OpenHandle(pick.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            if (_preallocate && RandomAccess.GetLength(handle) < _targetFileSize)
            {
                NativeFile.Preallocate(handle, pick.Path, _targetFileSize);
            }
            RandomAccess.Write(handle, _fileHeader, 0);
            NativeFile.DataSync(handle, pick.Path);
            File.Move(pick.Path, path);
            DirectorySync.Sync(_directory);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        Interlocked.Increment(ref _recycledReuses);
        return handle;
    }

    private void Map(SafeFileHandle handle, string path, long length)
    {
        ReleaseView();
        _mapping = ActiveMapping.Create(handle, path, length);
        _base = _mapping.Base;
        _mappedLength = length;
    }

    // The flusher must be done with the mapping (drained or stopped). Unmapped dirty pages stay in the page cache
    // (a process crash loses nothing); syncs that were asked for already flushed their range.
    private void ReleaseView()
    {
        ActiveMapping? mapping = _mapping;
        _mapping = null;
        _base = null;
        _mappedLength = 0;
        mapping?.Dispose();
    }

    /// <summary>Takes a reader reference on file <paramref name="seq"/>; null if it has been purged.</summary>
    public LogFile? TryAcquire(ulong seq)
    {
        LogFile? file = null;
        lock (_filesLock)
        {
            int lo = 0, hi = _files.Count - 1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >>> 1;
                ulong s = _files[mid].Seq;
                if (s == seq)
                {
                    file = _files[mid];
                    break;
                }
                if (s < seq)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }
        }
        return file != null && file.TryAcquire() ? file : null;
    }

    /// <summary>Appends (sequence, size) of every file, oldest first, the active one last.</summary>
    public void SnapshotFiles(List<(ulong Seq, long Size)> into)
    {
        lock (_filesLock)
        {
            foreach (LogFile f in _files)
            {
                into.Add((f.Seq, f.Size));
            }
        }
    }

    /// <summary>Bytes of data in all log files (a preallocated tail not counted; recycled files not counted).</summary>
    public long TotalBytes
    {
        get
        {
            long total = 0;
            lock (_filesLock)
            {
                foreach (LogFile f in _files)
                {
                    total += f.Size;
                }
            }
            return total;
        }
    }

    public int FileCount
    {
        get
        {
            lock (_filesLock)
            {
                return _files.Count;
            }
        }
    }

    /// <summary>
    /// Removes every file with a sequence below <paramref name="seq"/>, never the active one; returns how many.
    /// Each is renamed into the recycle pool while it has room, else deleted. Files stay readable by readers that
    /// already hold them; a recycled file is reused only once its last such reader has released it.
    /// </summary>
    public int DeleteFilesBefore(ulong seq)
    {
        List<LogFile>? removed = null;
        lock (_filesLock)
        {
            while (_files.Count > 1 && _files[0].Seq < seq)
            {
                (removed ??= []).Add(_files[0]);
                _files.RemoveAt(0);
            }
        }
        if (removed == null)
        {
            return 0;
        }
        bool recache = ShouldRecache(out bool recacheDropped);
        foreach (LogFile f in removed)
        {
            bool keep;
            lock (_filesLock)
            {
                keep = _recycled.Count < _maxRecycled;
            }
            if (keep)
            {
                string recyclePath = System.IO.Path.Combine(_directory, LogFileFormat.RecycleFileName(f.Seq));
                File.Move(f.Path, recyclePath);
                // Synced at its rotation: its cached pages are clean and can be dropped and read back in single
                // pages (NativeFile.RecacheInSmallPages: asynchronous readahead) before a writer gets it. Old readers
                // are unaffected. A file whose pages were dropped (DropCachesUpTo) is read back: appends into
                // uncached written blocks would read each partly written page from the device first.
                if (recache || (f.CacheDropped && recacheDropped))
                {
                    Interlocked.Add(ref _recacheBytes, NativeFile.RecacheInSmallPages(recyclePath));
                }
                else
                {
                    Interlocked.Increment(ref _recacheSkips);
                }
                lock (_filesLock)
                {
                    _recycled.Add(new RecycledFile(recyclePath, f));
                }
            }
            else
            {
                File.Delete(f.Path);
                f.Release();
            }
        }
        DirectorySync.Sync(_directory);
        return removed.Count;
    }

    // Whether files entering the pool now get re-cached in single pages. That pays only for synced appends (each
    // sync dirties, and accounts, the whole cached folio it touches); unsynced appends fill every page they touch
    // and rewrite whole folios, and then the re-cache is pure cost: the file read back from the device (its pages
    // were cached already) and dropped/refilled in the page cache (perf/RaftEngine/README.md). So: re-cache unless
    // under 1/8 of the bytes appended since the last recycling were in synced groups (none appended: as before).
    // Direct synced writes count as neither: they bypass the cache. A file whose cache was dropped (DropCachesUpTo)
    // holds no pages at all, and appends through the cache would read each partly written page from the device:
    // it is re-cached unless direct writes made over 7/8 of the appends (`recacheDropped`).
    private bool ShouldRecache(out bool recacheDropped)
    {
        long appended = Volatile.Read(ref _appendedBytes);
        long synced = Volatile.Read(ref _syncedBytes);
        long direct = _direct?.Bytes ?? 0;
        long appendedSince = appended - _appendedAtRecycle;
        long syncedSince = synced - _syncedAtRecycle;
        long directSince = direct - _directAtRecycle;
        _appendedAtRecycle = appended;
        _syncedAtRecycle = synced;
        _directAtRecycle = direct;
        recacheDropped = appendedSince == 0 || (appendedSince - directSince) * 8 >= appendedSince;
        return appendedSince == 0 || syncedSince * 8 >= appendedSince;
    }

    public void Dispose()
    {
        _flusher?.Dispose();
        _direct?.Dispose();
        ReleaseView();
        lock (_filesLock)
        {
            foreach (LogFile f in _files)
            {
                f.Release();
            }
            _files.Clear();
            foreach (RecycledFile r in _recycled)
            {
                r.File?.Release();
            }
            _recycled.Clear();
        }
    }
}
