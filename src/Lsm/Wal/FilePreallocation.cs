using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ManagedKv.Lsm.Wal;

/// <summary>
/// Extends a file with allocated, zero-reading space. On Linux this is posix_fallocate: the blocks exist before
/// a memory mapping touches them, so a full disk surfaces as an <see cref="IOException"/> here instead of a
/// SIGBUS on a page fault later. Elsewhere (or if the file system refuses) the file is extended sparsely.
/// Stateless and thread-safe.
/// </summary>
internal static partial class FilePreallocation
{
    private const int EINTR = 4;
    private const int ENOSPC = 28;
    private const int EFBIG = 27;

    /// <summary>Makes [offset, offset + length) of the file allocated and the file at least offset + length bytes long.</summary>
    public static void Extend(SafeFileHandle handle, string path, long offset, long length)
    {
        if (OperatingSystem.IsLinux())
        {
            int error;
            do
            {
                error = PosixFallocate(handle, offset, length);
            }
            while (error == EINTR);
            if (error == 0)
            {
                return;
            }
            if (error is ENOSPC or EFBIG)
            {
                throw new IOException($"Cannot preallocate {length} bytes at offset {offset} of '{path}': posix_fallocate error {error} (no space).");
            }
            // EOPNOTSUPP / EINVAL and the like: fall back to a sparse extension.
        }
        if (RandomAccess.GetLength(handle) < offset + length)
        {
            RandomAccess.SetLength(handle, offset + length);
        }
    }

    [LibraryImport("libc", EntryPoint = "posix_fallocate")]
    private static partial int PosixFallocate(SafeFileHandle fd, long offset, long length);
}
