using System.Numerics;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ManagedKv.RaftEngine;

/// <summary>
/// The synced write path on Linux (<see cref="RaftEngineOptions.DirectSyncedWrites"/>): a synced write group is
/// copied into an aligned buffer and written with one <c>O_DIRECT | O_DSYNC</c> write, which returns once the bytes
/// are durable, instead of a write into the page cache followed by fdatasync. Direct writes move whole alignment
/// units (the file system's direct-I/O alignment: 512 bytes on ext4 over a 512-byte-sector device), so the unit the
/// group starts in is rewritten from an in-memory copy of its first bytes (kept from the previous direct write, or
/// read back through the buffered handle), and the unit it ends in is padded with zeros after the 16-byte terminator.
/// The kernel keeps the page cache coherent (a direct write writes back and drops the cached pages it covers), so
/// readers using the file's ordinary handle or mapping see the bytes.
/// </summary>
/// <remarks>
/// Leader only (the pipe calls it under the write queue). One direct handle per active file
/// (<see cref="Attach"/>); the aligned buffer lives as long as the pipe and grows up to
/// <see cref="MaxStagedBytes"/>. A group that would not fit, or would write past the file's length, is left to the
/// buffered path.
/// </remarks>
internal sealed unsafe class DirectAppender : IDisposable
{
    /// <summary>Largest direct write (alignment padding included); larger groups take the buffered path.</summary>
    public const int MaxStagedBytes = 4 << 20;

    private const int BufferAlignment = 4096;
    private const int InitialCapacity = 64 << 10;

    // Configured offset alignment; 0: the file system's.
    private readonly int _configuredAlign;

    // The aligned buffer: [0, _tailLength) holds the first bytes of the unit the next direct write starts in, when
    // _tailSeq/_tailEnd say which ones.
    private byte* _buffer;
    private int _capacity;
    private int _tailLength;
    private ulong _tailSeq;
    private long _tailEnd = -1;

    // The attached active file.
    private SafeFileHandle? _handle;
    private string _path = "";
    private long _fileLength;
    private int _align;
    private bool _disabled;
    private long _bytes;

    public DirectAppender(int configuredAlign)
    {
        _configuredAlign = configuredAlign;
    }

    /// <summary>Bytes of the aligned buffer (native memory).</summary>
    public long BufferBytes => Volatile.Read(ref _capacity);

    /// <summary>Group bytes written by direct writes since open.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Whether the attached file takes direct writes.</summary>
    public bool Attached => _handle != null;

    /// <summary>
    /// Opens a direct handle on the new active file, whose <paramref name="length"/> bytes are all allocated (writes
    /// never extend it). Leaves nothing attached where direct I/O is unavailable (platform, file system, alignment
    /// larger than supported) or was refused before.
    /// </summary>
    public void Attach(string path, long length)
    {
        Detach();
        if (_disabled)
        {
            return;
        }
        int align = _configuredAlign;
        if (NativeDirectIo.TryGetAlignment(path, out int memoryAlign, out int offsetAlign))
        {
            if (offsetAlign == 0 || memoryAlign > BufferAlignment || offsetAlign > BufferAlignment * 16)
            {
                return; // refused by the file system, or an alignment this buffer cannot meet
            }
            align = Math.Max(align, offsetAlign);
        }
        else if (align == 0)
        {
            align = Environment.SystemPageSize; // unknown: the page size, the usual upper bound
        }
        if (!BitOperations.IsPow2(align))
        {
            return;
        }
        _handle = NativeDirectIo.TryOpen(path);
        if (_handle == null)
        {
            _disabled = true;
            return;
        }
        _path = path;
        _fileLength = length;
        _align = align;
    }

    /// <summary>Closes the direct handle of the active file, if any.</summary>
    public void Detach()
    {
        _handle?.Dispose();
        _handle = null;
    }

    /// <summary>
    /// Writes the group <paramref name="segments"/> (<paramref name="length"/> bytes) at <paramref name="writeOffset"/>
    /// of <paramref name="file"/>, followed by the 16-byte terminator, durably. Returns false, having written nothing,
    /// when the group is for the buffered path (nothing attached, too large, past the file's length, or the kernel
    /// refused the alignment: then direct writes stay off).
    /// </summary>
    public bool TryAppend(IReadOnlyList<ReadOnlyMemory<byte>> segments, long length, long writeOffset, LogFile file)
    {
        SafeFileHandle? handle = _handle;
        if (handle == null)
        {
            return false;
        }
        long mask = _align - 1;
        long start = writeOffset & ~mask;
        int prefix = (int)(writeOffset - start);
        long end = writeOffset + length + BatchFormat.TerminatorSize;
        long paddedEnd = (end + mask) & ~mask;
        long total = paddedEnd - start;
        if (total > MaxStagedBytes || paddedEnd > _fileLength)
        {
            return false;
        }
        bool tailKept = _tailSeq == file.Seq && _tailEnd == writeOffset && _tailLength == prefix;
        EnsureCapacity((int)total, tailKept ? prefix : 0);
        if (prefix > 0 && !tailKept)
        {
            // Written by the buffered path (or before this engine): the page cache or the device has them.
            file.ReadExactly(start, new Span<byte>(_buffer, prefix));
        }
        byte* destination = _buffer + prefix;
        for (int i = 0; i < segments.Count; i++)
        {
            ReadOnlySpan<byte> segment = segments[i].Span;
            segment.CopyTo(new Span<byte>(destination, segment.Length));
            destination += segment.Length;
        }
        new Span<byte>(destination, (int)(_buffer + total - destination)).Clear();
        _tailEnd = -1;
        if (!NativeDirectIo.Write(handle, _path, _buffer, (int)total, start))
        {
            _disabled = true;
            Detach();
            return false;
        }
        long newEnd = writeOffset + length;
        long keep = newEnd & ~mask;
        _tailLength = (int)(newEnd - keep);
        Buffer.MemoryCopy(_buffer + (keep - start), _buffer, _capacity, _tailLength);
        _tailSeq = file.Seq;
        _tailEnd = newEnd;
        Interlocked.Add(ref _bytes, length);
        return true;
    }

    // Grows the buffer to hold `needed` bytes, keeping its first `keep` bytes.
    private void EnsureCapacity(int needed, int keep)
    {
        if (needed <= _capacity)
        {
            return;
        }
        int capacity = Math.Max(InitialCapacity, _capacity);
        while (capacity < needed)
        {
            capacity *= 2;
        }
        capacity = Math.Min(capacity, MaxStagedBytes);
        byte* grown = (byte*)NativeMemory.AlignedAlloc((nuint)capacity, BufferAlignment);
        if (_buffer != null)
        {
            Buffer.MemoryCopy(_buffer, grown, capacity, keep);
            NativeMemory.AlignedFree(_buffer);
        }
        _buffer = grown;
        Volatile.Write(ref _capacity, capacity);
    }

    public void Dispose()
    {
        Detach();
        if (_buffer != null)
        {
            NativeMemory.AlignedFree(_buffer);
            _buffer = null;
            Volatile.Write(ref _capacity, 0);
        }
    }
}
