using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ManagedKv.RaftEngine;

/// <summary>
/// The Linux memory-mapping calls .NET's MemoryMappedFile does not expose: a shared mapping that can be unmapped a
/// range at a time (munmap of part of it), and pre-faulting a range writable (madvise MADV_POPULATE_WRITE, Linux
/// 5.14+). Linux only; stateless and thread-safe.
/// </summary>
internal static unsafe partial class NativeMapping
{
    private const int ProtRead = 1;
    private const int ProtWrite = 2;
    private const int MapShared = 1;
    private const int MadvPopulateWrite = 23;
    private const int EINTR = 4;
    private const int EAGAIN = 11;
    private const int EINVAL = 22;

    /// <summary>Maps [0, <paramref name="length"/>) of the file shared, readable and writable.</summary>
    public static byte* Map(SafeFileHandle handle, long length, string path)
    {
        nint address = MMap(0, (nuint)length, ProtRead | ProtWrite, MapShared, handle, 0);
        if (address == -1)
        {
            throw new IOException($"mmap of {length} bytes of '{path}' failed (errno {Marshal.GetLastPInvokeError()}).");
        }
        return (byte*)address;
    }

    /// <summary>Unmaps [<paramref name="address"/>, +<paramref name="length"/>); the address is page-aligned.</summary>
    public static void Unmap(byte* address, long length)
    {
        if (length > 0 && MUnmap((nint)address, (nuint)length) != 0)
        {
            throw new IOException($"munmap of {length} bytes failed (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    /// <summary>
    /// Faults [<paramref name="address"/>, +<paramref name="length"/>) in writable (page-aligned address): a hint.
    /// Returns false only when the kernel does not know the advice (EINVAL before Linux 5.14); any other refusal
    /// leaves the range to fault on first touch, as without the call, where a real failure shows itself.
    /// </summary>
    public static bool PopulateWrite(byte* address, long length)
    {
        while (true)
        {
            if (MAdvise((nint)address, (nuint)length, MadvPopulateWrite) == 0)
            {
                return true;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR && errno != EAGAIN)
            {
                return errno != EINVAL;
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint MMap(nint address, nuint length, int prot, int flags, SafeFileHandle fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int MUnmap(nint address, nuint length);

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int MAdvise(nint address, nuint length, int advice);
}
