using Microsoft.Win32.SafeHandles;

namespace ManagedKv.RaftEngine;

/// <summary>
/// The sequence of log files in one directory: the active file that takes appends, the older files that serve
/// reads until purged, rotation at the target size. Knows files and byte ranges, never regions.
/// </summary>
/// <remarks>
/// Threads: the append/rotate/sync methods are called only by the current write-group leader (one thread at a
/// time, serialized by <see cref="WriteQueue"/>); <see cref="TryAcquire"/> by any reader; purge calls
/// <see cref="DeleteFilesBefore"/> and <see cref="SnapshotFiles"/> from any thread.
/// </remarks>
internal sealed class LogPipe : IDisposable
{
    private readonly string _directory;
    private readonly long _targetFileSize;

    // Guards _files (membership only). Lock order: a region lock is never held while taking it.
    private readonly Lock _filesLock = new();

    // Invariant: sorted by Seq; the last element is _active.
    private readonly List<LogFile> _files = [];

    // Leader-only state.
    private LogFile _active = null!;
    private long _writeOffset;
    private bool _unsynced;
    private readonly byte[] _fileHeader = new byte[LogFileFormat.HeaderSize];

    private LogPipe(string directory, long targetFileSize)
    {
        _directory = directory;
        _targetFileSize = targetFileSize;
    }

    /// <summary>
    /// Opens the pipe over the recovered files (sorted by sequence, each with its valid length) and starts a new
    /// active file numbered <paramref name="nextSeq"/>.
    /// </summary>
    public static LogPipe Open(string directory, long targetFileSize, IReadOnlyList<(ulong Seq, long ValidLength)> existing, ulong nextSeq)
    {
        var pipe = new LogPipe(directory, targetFileSize);
        try
        {
            foreach ((ulong seq, long length) in existing)
            {
                string path = System.IO.Path.Combine(directory, LogFileFormat.FileName(seq));
                SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                pipe._files.Add(new LogFile(seq, path, handle, length));
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

    /// <summary>Rotates first if <paramref name="length"/> more bytes would pass the target size. Leader only.</summary>
    public void PrepareAppend(long length)
    {
        if (_writeOffset > LogFileFormat.HeaderSize
            && (_writeOffset + length > _targetFileSize || _writeOffset + length > uint.MaxValue))
        {
            Rotate();
        }
    }

    /// <summary>Writes the segments back to back at the write offset with one positional (gather) write.</summary>
    public void Append(IReadOnlyList<ReadOnlyMemory<byte>> segments, long length)
    {
        _unsynced = true;
        RandomAccess.Write(_active.Handle, segments, _writeOffset);
        _writeOffset += length;
        _active.Size = _writeOffset;
    }

    /// <summary>Forces the active file's appended bytes to the device. Leader only.</summary>
    public void Sync()
    {
        if (_unsynced)
        {
            RandomAccess.FlushToDisk(_active.Handle);
            _unsynced = false;
        }
    }

    /// <summary>Syncs and closes the active file and starts the next one. Leader only.</summary>
    public void Rotate()
    {
        Sync();
        CreateActive(_active.Seq + 1);
    }

    private void CreateActive(ulong seq)
    {
        string path = System.IO.Path.Combine(_directory, LogFileFormat.FileName(seq));
        SafeFileHandle handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            LogFileFormat.WriteHeader(_fileHeader);
            RandomAccess.Write(handle, _fileHeader, 0);
            RandomAccess.FlushToDisk(handle);
            DirectorySync.Sync(_directory);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        var file = new LogFile(seq, path, handle, LogFileFormat.HeaderSize);
        lock (_filesLock)
        {
            _files.Add(file);
        }
        _active = file;
        _writeOffset = LogFileFormat.HeaderSize;
        _unsynced = false;
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

    /// <summary>Total bytes of all files.</summary>
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
    /// Deletes every file with a sequence below <paramref name="seq"/>, never the active one; returns how many.
    /// Files stay readable by readers that already hold them.
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
        foreach (LogFile f in removed)
        {
            File.Delete(f.Path);
            f.Release();
        }
        DirectorySync.Sync(_directory);
        return removed.Count;
    }

    public void Dispose()
    {
        lock (_filesLock)
        {
            foreach (LogFile f in _files)
            {
                f.Release();
            }
            _files.Clear();
        }
    }
}
