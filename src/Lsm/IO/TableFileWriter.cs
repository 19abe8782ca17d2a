using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// Buffered sequential writer for building a new file (SSTs): appends gather in a pooled buffer written with one
/// <see cref="RandomAccess.Write(SafeFileHandle, ReadOnlySpan{byte}, long)"/> per full buffer (appends larger than the
/// buffer go straight to the file). <see cref="Sync"/> flushes and calls <see cref="RandomAccess.FlushToDisk"/>.
/// Not thread-safe: one builder drives it.
/// </summary>
internal sealed class TableFileWriter : IDisposable
{
    /// <summary>Default buffer: large enough that a 32 KiB block costs a fraction of a system call.</summary>
    public const int DefaultBufferSize = 256 * 1024;

    private readonly SafeFileHandle _handle;
    private byte[]? _buffer;   // pooled; null after Dispose
    private int _buffered;     // bytes of _buffer not yet written
    private long _fileOffset;  // bytes already written to the file
    // Invariant: Position == _fileOffset + _buffered.

    private TableFileWriter(string path, SafeFileHandle handle, int bufferSize)
    {
        Path = path;
        _handle = handle;
        _buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
    }

    public string Path { get; }

    /// <summary>Bytes appended so far (the offset of the next append).</summary>
    public long Position => _fileOffset + _buffered;

    /// <summary>Creates (or truncates) <paramref name="path"/> for writing.</summary>
    public static TableFileWriter Create(string path, int bufferSize = DefaultBufferSize)
    {
        if (bufferSize < 4096)
        {
            Util.ThrowHelper.ThrowArgument("buffer size must be at least 4096 bytes", nameof(bufferSize));
        }
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        return new TableFileWriter(path, handle, bufferSize);
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        byte[] buffer = _buffer ?? ThrowDisposed();
        if (data.Length <= buffer.Length - _buffered)
        {
            data.CopyTo(buffer.AsSpan(_buffered));
            _buffered += data.Length;
            return;
        }
        FlushBuffer();
        if (data.Length >= buffer.Length)
        {
            RandomAccess.Write(_handle, data, _fileOffset);
            _fileOffset += data.Length;
            return;
        }
        data.CopyTo(buffer);
        _buffered = data.Length;
    }

    /// <summary>Writes buffered bytes to the operating system (no fsync).</summary>
    public void Flush()
    {
        _ = _buffer ?? ThrowDisposed();
        FlushBuffer();
    }

    /// <summary>Writes buffered bytes and makes the file durable (fsync).</summary>
    public void Sync()
    {
        Flush();
        RandomAccess.FlushToDisk(_handle);
    }

    /// <summary>Flushes (no fsync) and closes the file. Idempotent.</summary>
    public void Dispose()
    {
        byte[]? buffer = _buffer;
        if (buffer == null)
        {
            return;
        }
        try
        {
            FlushBuffer();
        }
        finally
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
            _handle.Dispose();
        }
    }

    /// <summary>Closes the file without writing buffered bytes (used when the file is abandoned).</summary>
    public void DisposeWithoutFlush()
    {
        byte[]? buffer = _buffer;
        if (buffer == null)
        {
            return;
        }
        _buffer = null;
        _buffered = 0;
        ArrayPool<byte>.Shared.Return(buffer);
        _handle.Dispose();
    }

    private void FlushBuffer()
    {
        if (_buffered == 0)
        {
            return;
        }
        RandomAccess.Write(_handle, _buffer.AsSpan(0, _buffered), _fileOffset);
        _fileOffset += _buffered;
        _buffered = 0;
    }

    private byte[] ThrowDisposed()
    {
        Util.ThrowHelper.ThrowObjectDisposed(Path);
        return null!;
    }
}
