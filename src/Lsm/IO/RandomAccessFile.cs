using Microsoft.Win32.SafeHandles;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// <see cref="IRandomAccessFile"/> over one <see cref="SafeFileHandle"/> read with <see cref="RandomAccess.Read(SafeFileHandle, Span{byte}, long)"/>:
/// one handle shared by all readers, no seek, one system call (pread) per read. Thread-safe.
/// </summary>
internal sealed unsafe class RandomAccessFile : IRandomAccessFile
{
    private readonly SafeFileHandle _handle;

    private RandomAccessFile(string path, SafeFileHandle handle, long length)
    {
        Path = path;
        _handle = handle;
        Length = length;
    }

    public string Path { get; }

    public long Length { get; }

    /// <summary>Opens <paramref name="path"/> for reading. Throws the runtime's IO exceptions (with the path).</summary>
    public static RandomAccessFile Open(string path)
    {
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.RandomAccess);
        try
        {
            return new RandomAccessFile(path, handle, RandomAccess.GetLength(handle));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public int Read(long offset, Span<byte> destination)
    {
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

    public bool IsMapped => false;

    public bool TryGetPointer(long offset, int length, out byte* pointer)
    {
        pointer = null;
        return false;
    }

    public void Dispose() => _handle.Dispose();
}
