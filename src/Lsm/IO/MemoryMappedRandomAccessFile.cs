using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// <see cref="IRandomAccessFile"/> over a read-only memory mapping of the whole file: <see cref="TryGetPointer"/>
/// exposes the mapped bytes directly (no system call; a page fault on first touch) so a block can be checked and
/// searched in place. <see cref="Read"/> is a pread on the file's handle instead, for reads that should not map
/// pages into the process: every mapped page a read touches counts in the process's RSS until the file is closed
/// (a compaction reading its inputs through the mapping doubled the peak RSS of an overwrite run). Thread-safe.
/// Invariant: the mapping stays alive until <see cref="Dispose"/>; callers guarantee no read or exposed memory is
/// used after it (table readers reference-count their file).
/// </summary>
internal sealed unsafe class MemoryMappedRandomAccessFile : IRandomAccessFile
{
    private readonly SafeFileHandle _handle;
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;   // start of the file's bytes in the mapping; null for an empty file
    private int _disposed;

    private MemoryMappedRandomAccessFile(string path, SafeFileHandle handle, MemoryMappedFile? map, MemoryMappedViewAccessor? view, long length)
    {
        Path = path;
        _handle = handle;
        Length = length;
        _map = map;
        _view = view;
        if (view != null)
        {
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            _base = p + view.PointerOffset;
        }
    }

    public string Path { get; }

    public long Length { get; }

    /// <summary>Maps <paramref name="path"/> read-only. Throws the runtime's IO exceptions (with the path).</summary>
    public static MemoryMappedRandomAccessFile Open(string path)
    {
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.RandomAccess);
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            long length = RandomAccess.GetLength(handle);
            if (length == 0)
            {
                return new MemoryMappedRandomAccessFile(path, handle, null, null, 0); // an empty file cannot be mapped
            }
            map = MemoryMappedFile.CreateFromFile(handle, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            return new MemoryMappedRandomAccessFile(path, handle, map, view, length);
        }
        catch
        {
            view?.Dispose();
            map?.Dispose();
            handle.Dispose();
            throw;
        }
    }

    public int Read(long offset, Span<byte> destination)
    {
        if (_disposed != 0)
        {
            Util.ThrowHelper.ThrowObjectDisposed(Path);
        }
        if (offset < 0 || offset >= Length)
        {
            return 0;
        }
        int total = 0;
        while (total < destination.Length)
        {
            int n = RandomAccess.Read(_handle, destination[total..], offset + total);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }

    public bool TryGetPointer(long offset, int length, out byte* pointer)
    {
        if (_disposed != 0)
        {
            Util.ThrowHelper.ThrowObjectDisposed(Path);
        }
        if (_base == null || offset < 0 || length < 0 || offset > Length - length)
        {
            pointer = null;
            return false;
        }
        pointer = _base + offset;
        return true;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        if (_view != null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
        _handle.Dispose();
    }
}
