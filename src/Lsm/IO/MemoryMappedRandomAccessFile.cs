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
/// With a <see cref="BlockCache"/> whose <see cref="BlockCache.MappedLimit"/> bounds mapped pages, the file is
/// split into 2 MiB stretches: <see cref="TryGetPointer"/> exposes a range only once its stretches are charged to
/// the cache (a random read maps the whole page-cache folio it touches, up to 2 MiB), and returns false for a
/// stretch that does not fit, so the caller reads it with pread. The charge is returned at dispose.
/// </summary>
internal sealed unsafe class MemoryMappedRandomAccessFile : IRandomAccessFile
{
    private readonly SafeFileHandle _handle;
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;   // start of the file's bytes in the mapping; null for an empty file
    private int _disposed;

    // Mapped stretches charged to _budget: Charged, Unknown (0), or refused at the budget's generation (any other value).
    private const int StretchShift = 21;
    private const int Charged = int.MinValue;
    private readonly BlockCache? _budget;
    private readonly int[]? _stretches;
    private long _charged;

    private MemoryMappedRandomAccessFile(string path, SafeFileHandle handle, MemoryMappedFile? map, MemoryMappedViewAccessor? view, long length, BlockCache? budget)
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
            if (budget != null)
            {
                _budget = budget;
                _stretches = new int[(int)((length + (1L << StretchShift) - 1) >> StretchShift)];
            }
        }
    }

    /// <summary>Bytes of this file's stretches charged to the budget.</summary>
    internal long ChargedBytes => Interlocked.Read(ref _charged);

    public string Path { get; }

    public long Length { get; }

    /// <summary>
    /// Maps <paramref name="path"/> read-only; with <paramref name="budget"/>, the pages used in place are charged to
    /// its <see cref="BlockCache.MappedLimit"/>. Throws the runtime's IO exceptions (with the path).
    /// </summary>
    public static MemoryMappedRandomAccessFile Open(string path, BlockCache? budget = null)
    {
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.RandomAccess);
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            long length = RandomAccess.GetLength(handle);
            if (length == 0)
            {
                return new MemoryMappedRandomAccessFile(path, handle, null, null, 0, null); // an empty file cannot be mapped
            }
            map = MemoryMappedFile.CreateFromFile(handle, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            return new MemoryMappedRandomAccessFile(path, handle, map, view, length, budget);
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
        if (_stretches != null)
        {
            int first = (int)(offset >> StretchShift);
            int last = length == 0 ? first : (int)((offset + length - 1) >> StretchShift);
            if ((_stretches[first] != Charged && !TryCharge(first)) || (last != first && _stretches[last] != Charged && !TryCharge(last)))
            {
                pointer = null;
                return false;
            }
        }
        pointer = _base + offset;
        return true;
    }

    public bool IsMapped => _base != null;

    // Charges one stretch, or refuses it until the budget's generation changes (a release or a new limit).
    private bool TryCharge(int stretch)
    {
        while (true)
        {
            int state = Volatile.Read(ref _stretches![stretch]);
            if (state == Charged)
            {
                return true;
            }
            int generation = _budget!.MappedGeneration;
            if (state == generation)
            {
                return false;
            }
            long start = (long)stretch << StretchShift;
            long bytes = Math.Min(1L << StretchShift, Length - start);
            if (!_budget.TryChargeMapped(bytes))
            {
                Interlocked.CompareExchange(ref _stretches[stretch], generation == Charged ? generation + 1 : generation, state);
                return false;
            }
            if (Interlocked.CompareExchange(ref _stretches[stretch], Charged, state) == state)
            {
                Interlocked.Add(ref _charged, bytes);
                return true;
            }
            _budget.ReleaseMapped(bytes); // another reader changed the stretch first: look again
        }
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
        _budget?.ReleaseMapped(Interlocked.Exchange(ref _charged, 0));
    }
}
