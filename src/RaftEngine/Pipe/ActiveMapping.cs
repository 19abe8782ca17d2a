using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace ManagedKv.RaftEngine;

/// <summary>
/// The shared memory mapping of the active log file, from offset 0, that mapped appends copy into. On Linux it is a
/// plain mmap that can be given back a prefix at a time (<see cref="UnmapBelow"/>: the ranges the writer has moved
/// past, so their write-back needs no page-table work) and pre-faulted ahead (<see cref="Populate"/>); elsewhere a
/// MemoryMappedFile view, unmapped whole.
/// </summary>
/// <remarks>
/// Threads: the writer copies into the part above what it handed to the flusher; the log flusher calls
/// <see cref="UnmapBelow"/> and <see cref="Populate"/>; the writer disposes it only once the flusher has finished
/// with it (<see cref="LogFlusher.Drain"/>), which also publishes what the flusher unmapped.
/// </remarks>
internal sealed unsafe class ActiveMapping : IDisposable
{
    private readonly string _path;
    private byte* _base;
    private readonly long _length;
    // The end of the mapping's last page.
    private readonly long _mappedEnd;
    // Linux: [0, _mappedFrom) is unmapped already.
    private long _mappedFrom;
    private volatile bool _closing;
    private long _writerOffset;

    // Elsewhere.
    private MemoryMappedFile? _map;
    private MemoryMappedViewAccessor? _view;
    private bool _pointerAcquired;

    private ActiveMapping(string path, long length)
    {
        _path = path;
        _length = length;
        long page = Environment.SystemPageSize;
        _mappedEnd = (length + page - 1) / page * page;
    }

    /// <summary>Maps [0, <paramref name="length"/>) of the file (at most its current length).</summary>
    public static ActiveMapping Create(SafeFileHandle handle, string path, long length)
    {
        var mapping = new ActiveMapping(path, length);
        if (OperatingSystem.IsLinux())
        {
            mapping._base = NativeMapping.Map(handle, length, path);
            return mapping;
        }
        mapping._map = MemoryMappedFile.CreateFromFile(handle, null, length, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
        try
        {
            mapping._view = mapping._map.CreateViewAccessor(0, length, MemoryMappedFileAccess.ReadWrite);
            byte* pointer = null;
            mapping._view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            mapping._pointerAcquired = true;
            mapping._base = pointer + mapping._view.PointerOffset;
        }
        catch
        {
            mapping.Dispose();
            throw;
        }
        return mapping;
    }

    /// <summary>Address of file offset 0.</summary>
    public byte* Base => _base;

    /// <summary>Bytes mapped from offset 0.</summary>
    public long Length => _length;

    /// <summary>The file this maps.</summary>
    public string Path => _path;

    /// <summary>Set by the writer when it is about to drop the mapping: pending pre-faults are skipped.</summary>
    public bool Closing
    {
        get => _closing;
        set => _closing = value;
    }

    /// <summary>
    /// Where the writer appends next, published by the writer after its appends: pre-faulting skips what lies behind.
    /// </summary>
    public long WriterOffset
    {
        get => Volatile.Read(ref _writerOffset);
        set => Volatile.Write(ref _writerOffset, value);
    }

    /// <summary>Linux: unmaps the part not yet given back below <paramref name="offset"/>; page-aligned. Flusher only.</summary>
    public void UnmapBelow(long offset)
    {
        // Appends past the mapping (positional writes into a file that grew) have nothing mapped to give back.
        offset = Math.Min(offset, _mappedEnd);
        if (offset > _mappedFrom)
        {
            NativeMapping.Unmap(_base + _mappedFrom, offset - _mappedFrom);
            _mappedFrom = offset;
        }
    }

    /// <summary>Linux: pre-faults [<paramref name="from"/>, <paramref name="to"/>) writable; false if unsupported.</summary>
    public bool Populate(long from, long to)
    {
        long page = Environment.SystemPageSize;
        from = Math.Max(from, Math.Max(_mappedFrom, WriterOffset / page * page));
        to = Math.Min(to, _length);
        return to <= from || NativeMapping.PopulateWrite(_base + from, to - from);
    }

    /// <summary>Non-Linux: writes the view's dirty pages back (Linux writes them back on fdatasync).</summary>
    public void Flush() => _view?.Flush();

    /// <summary>Unmaps what is still mapped, without writing anything back (the pages stay in the page cache).</summary>
    public void Dispose()
    {
        if (OperatingSystem.IsLinux())
        {
            if (_base != null)
            {
                NativeMapping.Unmap(_base + _mappedFrom, _length - _mappedFrom);
                _base = null;
            }
            return;
        }
        if (_view != null)
        {
            if (_pointerAcquired)
            {
                _view.SafeMemoryMappedViewHandle.ReleasePointer();
                _pointerAcquired = false;
            }
            // Unmap first: disposing the accessor of an open view msyncs it (MS_SYNC), a synchronous write-back of
            // every dirty page on the writer's thread. Syncs that were asked for already flushed their range.
            _view.SafeMemoryMappedViewHandle.Dispose();
            _view.Dispose();
            _view = null;
        }
        _base = null;
        _map?.Dispose();
        _map = null;
    }
}
