using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ManagedKv.RaftEngine;

/// <summary>
/// The file system calls .NET does not expose that the log pipe needs: preallocation (posix_fallocate), data-only
/// sync (fdatasync) and page-cache advice (posix_fadvise). On Linux the first two avoid a metadata journal commit per
/// synced append: appends land inside the preallocated length, so the file size does not change and fdatasync has
/// only data to write. Elsewhere they fall back to a sparse extension and a full flush, and the advice is skipped.
/// Stateless and thread-safe.
/// </summary>
internal static partial class NativeFile
{
    private const int EINTR = 4;
    private const int EFBIG = 27;
    private const int ENOSPC = 28;

    /// <summary>
    /// Makes [0, <paramref name="length"/>) of the file allocated (posix_fallocate), extending it if shorter, so a
    /// full disk surfaces here rather than as SIGBUS in a memory mapping. Where the file system refuses, extends
    /// the file sparsely.
    /// </summary>
    public static void Preallocate(SafeFileHandle handle, string path, long length)
    {
        if (OperatingSystem.IsLinux())
        {
            int error;
            do
            {
                error = PosixFallocate(handle, 0, length);
            }
            while (error == EINTR);
            if (error == 0)
            {
                return;
            }
            if (error is ENOSPC or EFBIG)
            {
                throw new IOException($"Cannot preallocate {length} bytes for '{path}': posix_fallocate error {error} (no space).");
            }
        }
        if (RandomAccess.GetLength(handle) < length)
        {
            RandomAccess.SetLength(handle, length);
        }
    }

    /// <summary>
    /// Forces the file's data to the device, and of its metadata only what reading the data back needs (fdatasync):
    /// a file size change is included, a modification time is not. Elsewhere a full flush.
    /// </summary>
    public static void DataSync(SafeFileHandle handle, string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(handle);
            return;
        }
        int result;
        do
        {
            result = FDataSync(handle);
        }
        while (result != 0 && Marshal.GetLastPInvokeError() == EINTR);
        if (result != 0)
        {
            throw new IOException($"fdatasync of '{path}' failed (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    /// <summary>
    /// Re-caches the file's pages as single 4 KiB pages, so that later small writes into the file (a recycled log
    /// file) dirty only the pages they touch and rarely read the device first. The kernel's page cache holds a file
    /// in folios as large as the write or the readahead that created them (ext4 has large folios since Linux 6.16),
    /// and re-dirtying one byte of a large folio accounts, and throttles, the whole folio as written. So: drop the
    /// cached pages (POSIX_FADV_DONTNEED; the file must be synced, dirty pages are not dropped) and ask for them
    /// back (POSIX_FADV_WILLNEED: forced readahead, which the kernel fills with single pages, asynchronously and
    /// without copying them to this process), through a handle of its own. Returns the bytes asked for. No-op (returns 0)
    /// off Linux.
    /// </summary>
    public static long RecacheInSmallPages(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        long length = RandomAccess.GetLength(handle);
        PosixFadvise(handle, 0, 0, FadviseDontNeed);
        PosixFadvise(handle, 0, length, FadviseWillNeed);
        return length;
    }

    /// <summary>
    /// Drops the file's clean cached pages (POSIX_FADV_DONTNEED; dirty pages and pages under write-back stay), so the
    /// memory goes back to the kernel's free lists and serves the next page-cache allocations. No-op off Linux.
    /// </summary>
    public static void DropCache(SafeFileHandle handle)
    {
        if (OperatingSystem.IsLinux())
        {
            PosixFadvise(handle, 0, 0, FadviseDontNeed);
        }
    }

    /// <summary>
    /// Starts the write-back of the dirty pages in [<paramref name="offset"/>, +<paramref name="length"/>) and returns
    /// without waiting for it (sync_file_range SYNC_FILE_RANGE_WRITE, RocksDB's bytes_per_sync): a later fdatasync then
    /// only waits for what is still in flight. Durability is unchanged (no device flush, no metadata). Linux only.
    /// </summary>
    public static void StartWriteback(SafeFileHandle handle, string path, long offset, long length)
    {
        int result;
        do
        {
            result = SyncFileRange(handle, offset, length, SyncFileRangeWrite);
        }
        while (result != 0 && Marshal.GetLastPInvokeError() == EINTR);
        if (result != 0)
        {
            throw new IOException($"sync_file_range of '{path}' [{offset}, +{length}) failed (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    private const uint SyncFileRangeWrite = 2;

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(SafeFileHandle fd, long offset, long length, uint flags);

    private const int FadviseWillNeed = 3;
    private const int FadviseDontNeed = 4;

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int PosixFadvise(SafeFileHandle fd, long offset, long length, int advice);

    [LibraryImport("libc", EntryPoint = "posix_fallocate")]
    private static partial int PosixFallocate(SafeFileHandle fd, long offset, long length);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FDataSync(SafeFileHandle fd);
}
