using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;
using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm.Wal;

/// <summary>
/// Appends logical records to one WAL file in the block format of FORMAT-WAL.md (leveldb's log format with
/// xxh3-low32 checksums). When <see cref="AddRecord"/> returns, the record is in the operating system's hands:
/// a kill -9 of the process afterwards loses nothing; <see cref="Sync"/> makes it survive power loss too.
///
/// Two ways to hand records over (<see cref="WalWriterOptions.UseMemoryMappedWrites"/>):
/// - memory-mapped (default): the file is preallocated in growing chunks (4 MiB doubling to 64 MiB) and mapped
///   shared; a record is a memcpy into the mapping, no system call. The page cache owns the bytes as soon as
///   they are copied. The preallocated tail reads as zeros, which the reader takes as the end of the log;
///   <see cref="Dispose"/> truncates the file to <see cref="Size"/>.
/// - write(): one positional write system call per record (fragments assembled in a pooled buffer first).
///
/// Threads: one thread at a time calls <see cref="AddRecord"/> (the group-commit leader). <see cref="Sync"/>
/// may run concurrently with AddRecord. After an I/O failure the writer is broken: every later call throws
/// (the DB's sticky error).
/// </summary>
internal sealed unsafe class WalWriter : IDisposable
{
    private readonly string _path;
    private readonly SafeFileHandle _handle;
    private readonly bool _mapped;
    private readonly long _maxChunk;

    // Invariant: _size is the logical end of the log; every byte before it belongs to a complete record or to
    // a zero block trailer. In mapped mode _mappedStart <= _size <= _mappedEnd, and _mappedStart, _mappedEnd are
    // multiples of WalFormat.BlockSize, so a physical record never straddles two mappings.
    private long _size;

    // write() mode: pooled buffer the physical records of one AddRecord are assembled in.
    private byte[]? _buffer;

    // Mapped mode. _mapLock guards swapping the view against a concurrent Sync that flushes it (non-Linux only).
    private readonly Lock _mapLock = new();
    private MemoryMappedFile? _map;
    private MemoryMappedViewAccessor? _view;
    private byte* _base;            // address of file offset _mappedStart
    private long _mappedStart;
    private long _mappedEnd;
    private long _nextChunk;

    private bool _broken;
    private bool _disposed;

    private WalWriter(string path, ulong logNumber, SafeFileHandle handle, WalWriterOptions options)
    {
        _path = path;
        LogNumber = logNumber;
        _handle = handle;
        _mapped = options.UseMemoryMappedWrites;
        _nextChunk = options.InitialPreallocationBytes;
        _maxChunk = options.MaxPreallocationBytes;
    }

    /// <summary>The log number this file carries in its name (recorded by the caller; not stored in the file).</summary>
    public ulong LogNumber { get; }

    /// <summary>Logical bytes written: the file's length once disposed.</summary>
    public long Size => Volatile.Read(ref _size);

    /// <summary>The file path.</summary>
    public string Path => _path;

    /// <summary>Creates (or truncates) the log file at <paramref name="path"/>.</summary>
    public static WalWriter Create(string path, ulong logNumber, WalWriterOptions? options = null)
    {
        options ??= WalWriterOptions.Default;
        if (options.UseMemoryMappedWrites)
        {
            if (options.InitialPreallocationBytes < WalFormat.BlockSize || options.InitialPreallocationBytes % WalFormat.BlockSize != 0)
            {
                ThrowHelper.ThrowArgument("InitialPreallocationBytes must be a positive multiple of 32 KiB.", nameof(options));
            }
            if (options.MaxPreallocationBytes < options.InitialPreallocationBytes || options.MaxPreallocationBytes % WalFormat.BlockSize != 0)
            {
                ThrowHelper.ThrowArgument("MaxPreallocationBytes must be a multiple of 32 KiB and at least InitialPreallocationBytes.", nameof(options));
            }
        }
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
        var writer = new WalWriter(path, logNumber, handle, options);
        if (writer._mapped)
        {
            try
            {
                writer.MapNextChunk();
            }
            catch
            {
                writer.Dispose();
                throw;
            }
        }
        return writer;
    }

    /// <summary>
    /// Appends one logical record (any length, including zero). When this returns the bytes are in the page
    /// cache (mapped mode) or the kernel (write mode): durable against a process crash, not yet against power loss.
    /// </summary>
    public void AddRecord(ReadOnlySpan<byte> payload)
    {
        ThrowIfUnusable();
        try
        {
            if (_mapped)
            {
                AppendMapped(payload);
            }
            else
            {
                AppendWithWrite(payload);
            }
        }
        catch
        {
            _broken = true;
            throw;
        }
    }

    /// <summary>Makes every record added so far durable against power loss (fsync; msync first where needed).</summary>
    public void Sync()
    {
        ThrowIfUnusable();
        try
        {
            if (_mapped && !OperatingSystem.IsLinux())
            {
                // Linux's fsync writes back dirty shared-mapping pages itself; other systems need the view flushed.
                lock (_mapLock)
                {
                    _view?.Flush();
                }
            }
            RandomAccess.FlushToDisk(_handle);
        }
        catch
        {
            _broken = true;
            throw;
        }
    }

    /// <summary>Unmaps, truncates a mapped log to <see cref="Size"/>, closes the file. Does not sync.</summary>
    public void Dispose() => Close(truncate: true);

    /// <summary>
    /// Unmaps and closes the file, leaving a mapped log's preallocated zero tail in place (readers take it for the end
    /// of the log, as after a crash). For a log that is deleted soon after: truncating frees its blocks, and on a file
    /// system mounted with online discard that waits for the device (66 ms on a writer's thread in a trace).
    /// </summary>
    public void CloseKeepingPreallocation() => Close(truncate: false);

    private void Close(bool truncate)
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        try
        {
            if (_mapped)
            {
                lock (_mapLock)
                {
                    ReleaseView();
                }
                if (truncate && !_handle.IsInvalid && !_handle.IsClosed)
                {
                    RandomAccess.SetLength(_handle, _size);
                }
            }
        }
        finally
        {
            _handle.Dispose();
            if (_buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = null;
            }
        }
    }

    // Grammar (FORMAT-WAL.md, "Records"): a logical record is cut into fragments, each the payload of one physical
    // record "checksum u32 | length u16 | type u8 | fragment" that fits in the rest of the current block; a block
    // rest shorter than a header is zero padding.
    private void AppendWithWrite(ReadOnlySpan<byte> payload)
    {
        long bound = WalFormat.MaxPhysicalLength(payload.Length);
        if (bound > Array.MaxLength)
        {
            ThrowHelper.ThrowArgument("The WAL record is too large.", nameof(payload));
        }
        if (_buffer is null || _buffer.Length < bound)
        {
            if (_buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }
            _buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(bound, 4096));
        }
        Span<byte> buffer = _buffer;
        int pos = 0;
        long offset = _size;
        bool begin = true;
        do
        {
            int leftover = WalFormat.BlockSize - (int)(offset % WalFormat.BlockSize);
            if (leftover < WalFormat.HeaderSize)
            {
                buffer.Slice(pos, leftover).Clear();
                pos += leftover;
                offset += leftover;
                leftover = WalFormat.BlockSize;
            }
            int fragment = Math.Min(payload.Length, leftover - WalFormat.HeaderSize);
            bool end = fragment == payload.Length;
            WalRecordType type = TypeOf(begin, end);
            int written = EncodePhysical(buffer[pos..], type, payload[..fragment]);
            pos += written;
            offset += written;
            payload = payload[fragment..];
            begin = false;
        }
        while (!payload.IsEmpty);
        RandomAccess.Write(_handle, buffer[..pos], _size);
        Volatile.Write(ref _size, offset);
    }

    private void AppendMapped(ReadOnlySpan<byte> payload)
    {
        long offset = _size;
        bool begin = true;
        do
        {
            int leftover = WalFormat.BlockSize - (int)(offset % WalFormat.BlockSize);
            if (leftover < WalFormat.HeaderSize)
            {
                // The preallocated space is zero already: padding is a skip.
                offset += leftover;
                leftover = WalFormat.BlockSize;
            }
            if (offset == _mappedEnd)
            {
                MapNextChunk();
            }
            Debug.Assert(offset >= _mappedStart && offset + leftover <= _mappedEnd);
            int fragment = Math.Min(payload.Length, leftover - WalFormat.HeaderSize);
            bool end = fragment == payload.Length;
            var destination = new Span<byte>(_base + (offset - _mappedStart), WalFormat.HeaderSize + fragment);
            offset += EncodePhysical(destination, TypeOf(begin, end), payload[..fragment]);
            payload = payload[fragment..];
            begin = false;
        }
        while (!payload.IsEmpty);
        Volatile.Write(ref _size, offset);
    }

    private static WalRecordType TypeOf(bool begin, bool end) =>
        begin ? (end ? WalRecordType.Full : WalRecordType.First) : (end ? WalRecordType.Last : WalRecordType.Middle);

    // The payload is copied before the header so that a process killed mid-copy in mapped mode mostly leaves a
    // zero header (a clean end) rather than a checksum mismatch; either way the reader treats it as a torn tail.
    private static int EncodePhysical(Span<byte> destination, WalRecordType type, ReadOnlySpan<byte> fragment)
    {
        Debug.Assert(fragment.Length <= WalFormat.MaxFragmentLength);
        fragment.CopyTo(destination[WalFormat.HeaderSize..]);
        destination[6] = (byte)type;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], (ushort)fragment.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, WalFormat.ChecksumOf(type, fragment));
        return WalFormat.HeaderSize + fragment.Length;
    }

    private void MapNextChunk()
    {
        long chunk = _nextChunk;
        _nextChunk = Math.Min(chunk * 2, _maxChunk);
        long start = _mappedEnd;
        FilePreallocation.Extend(_handle, _path, start, chunk);
        lock (_mapLock)
        {
            if (_view is not null && !OperatingSystem.IsLinux())
            {
                _view.Flush();
            }
            ReleaseView();
            _map = MemoryMappedFile.CreateFromFile(_handle, null, start + chunk, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
            _view = _map.CreateViewAccessor(start, chunk, MemoryMappedFileAccess.ReadWrite);
            byte* pointer = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _base = pointer + _view.PointerOffset;
            _mappedStart = start;
            _mappedEnd = start + chunk;
        }
    }

    // REQUIRES: _mapLock held (or no other thread can use the writer).
    private void ReleaseView()
    {
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            // Unmap first: disposing the accessor of an open view msyncs it (MS_SYNC), a synchronous write-back of every
            // dirty page on the writer's thread. Unmapped dirty pages stay in the page cache (a process crash loses
            // nothing); syncs that were asked for already flushed their range.
            _view.SafeMemoryMappedViewHandle.Dispose();
            _view.Dispose();
            _view = null;
            _base = null;
        }
        _map?.Dispose();
        _map = null;
    }

    private void ThrowIfUnusable()
    {
        if (_disposed)
        {
            ThrowHelper.ThrowObjectDisposed(nameof(WalWriter));
        }
        if (_broken)
        {
            ThrowHelper.ThrowInvalidOperation($"WAL '{_path}' failed an earlier write or sync; reopen the DB.");
        }
    }
}
