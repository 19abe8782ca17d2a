using System.IO.MemoryMappedFiles;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// <see cref="IRandomAccessFile"/> over a read-only memory mapping of the whole file. A read is a memory copy (no
/// system call; a page fault on first touch), and <see cref="TryGetPointer"/> exposes the mapped bytes directly so a
/// block can be checked, decompressed or searched in place. Thread-safe.
/// Invariant: the mapping stays alive until <see cref="Dispose"/>; callers guarantee no read or exposed memory is
/// used after it (table readers reference-count their file).
/// </summary>
internal sealed unsafe class MemoryMappedRandomAccessFile : IRandomAccessFile
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;   // start of the file's bytes in the mapping; null for an empty file
    private int _disposed;

    private MemoryMappedRandomAccessFile(string path, MemoryMappedFile? map, MemoryMappedViewAccessor? view, long length)
    {
        Path = path;
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
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.RandomAccess);
        long length = stream.Length;
        if (length == 0)
        {
            return new MemoryMappedRandomAccessFile(path, null, null, 0); // an empty file cannot be mapped
        }
        MemoryMappedFile map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            return new MemoryMappedRandomAccessFile(path, map, view, length);
        }
        catch
        {
            view?.Dispose();
            map.Dispose();
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
        int n = (int)Math.Min(destination.Length, Length - offset);
        new ReadOnlySpan<byte>(_base + offset, n).CopyTo(destination);
        return n;
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
    }
}
