using System.Runtime.InteropServices;

namespace ManagedKv.Lsm;

/// <summary>Makes a folder's entries (created, renamed, deleted files) durable: fsync on the directory (POSIX).</summary>
internal static partial class DirectorySync
{
    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000; // Linux

    public static void Sync(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // Windows has no directory fsync; renames are journaled by NTFS.
        }
        int fd = Open(path, ORdOnly | ODirectory);
        if (fd < 0)
        {
            throw new IOException($"Cannot open directory '{path}' to sync it (errno {Marshal.GetLastPInvokeError()}).");
        }
        try
        {
            if (FSync(fd) != 0)
            {
                throw new IOException($"fsync of directory '{path}' failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
