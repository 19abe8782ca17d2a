using System.Buffers;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// Readahead for one iterator's block reads from one table (RocksDB's automatic iterator readahead): once an iterator
/// has read two blocks in a row that are adjacent in the file, in either direction, the next read that misses the
/// block cache fetches a window of the following blocks (16 KiB, doubling up to 64 KiB) with one read call, and the
/// blocks after it are served from that window. A sequential scan of a table read with pread then costs one system
/// call per window instead of one per block; the blocks still go through checksum, decompression and the block cache
/// one by one. Random seeks never start a window.
/// Not thread-safe: owned by one table iterator. The window is a pooled array, returned by <see cref="Reset"/>.
/// </summary>
internal sealed class BlockReadahead
{
    private const int InitialWindow = 16 * 1024;
    private const int MaxWindow = 64 * 1024; // a 64 KiB pread is dominated by the copy already; bigger windows only hold memory

    private byte[]? _buffer;      // pooled; the window is _buffer[0.._length) = file bytes [_start, _start + _length)
    private long _start;
    private int _length;
    private long _lastOffset = -1; // the previous block read through here: [_lastOffset, _lastEnd)
    private long _lastEnd = -1;
    private int _run;             // adjacent reads in a row: > 0 forward, < 0 backward
    private int _window = InitialWindow;

    /// <summary>Forgets the access pattern and returns the window (another table, or the iterator is done).</summary>
    public void Reset()
    {
        _lastOffset = -1;
        _lastEnd = -1;
        _run = 0;
        _window = InitialWindow;
        _length = 0;
        byte[]? buffer = _buffer;
        _buffer = null;
        if (buffer != null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The raw bytes [<paramref name="offset"/>, +<paramref name="length"/>) of a block (contents and trailer) from the
    /// window, reading a new window when the access continues a sequential run; false when the caller should read the
    /// block itself (no run yet, or the window read came up short). <paramref name="limit"/> is where the file's
    /// blocks end: windows never read past it.
    /// </summary>
    public bool TryRead(IRandomAccessFile file, long limit, long offset, int length, out ReadOnlySpan<byte> raw)
    {
        bool forward = offset == _lastEnd;
        bool backward = offset + length == _lastOffset;
        _run = forward ? Math.Max(_run, 0) + 1 : backward ? Math.Min(_run, 0) - 1 : 0;
        _lastOffset = offset;
        _lastEnd = offset + length;
        if (_length > 0 && offset >= _start && offset + length <= _start + _length)
        {
            raw = new ReadOnlySpan<byte>(_buffer, (int)(offset - _start), length);
            return true;
        }
        raw = default;
        if (_run > -2 && _run < 2)
        {
            return false;
        }
        int window = Math.Max(_window, length);
        _window = Math.Min(_window * 2, MaxWindow);
        long start = forward ? offset : Math.Max(0, offset + length - window);
        long end = Math.Min(start + window, Math.Max(limit, offset + length));
        int size = (int)(end - start);
        _length = 0;
        if (_buffer == null || _buffer.Length < size)
        {
            if (_buffer != null)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(size, MaxWindow));
        }
        int read = file.Read(start, _buffer.AsSpan(0, size));
        if (read < offset + length - start)
        {
            return false; // short file: the caller's own read reports it
        }
        _start = start;
        _length = read;
        raw = new ReadOnlySpan<byte>(_buffer, (int)(offset - start), length);
        return true;
    }
}
