using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ManagedKv.RaftEngine;

/// <summary>
/// The Linux calls for durable direct writes that .NET does not expose: opening a file with
/// <c>O_DIRECT | O_DSYNC</c> (each write bypasses the page cache and returns once the device has it durably: a
/// write followed by a cache flush, or a FUA write), the file system's direct-I/O alignment (statx
/// <c>STATX_DIOALIGN</c>, Linux 6.1+) and a positional write from native memory. Linux on x64 and arm64 only
/// (the <c>O_DIRECT</c> flag's value differs between architectures); elsewhere <see cref="Supported"/> is false.
/// Stateless and thread-safe.
/// </summary>
internal static unsafe partial class NativeDirectIo
{
    private const int OWriteOnly = 0x1;
    private const int ODSync = 0x1000;
    private const int OCloseOnExec = 0x80000;
    private const int AtFdCwd = -100;
    private const uint StatxDioAlign = 0x2000;
    private const int EINTR = 4;
    private const int EINVAL = 22;

    // struct statx: stx_mask at 0, stx_dio_mem_align at 152, stx_dio_offset_align at 156; 256 bytes in all.
    private const int StatxSize = 256;
    private const int StatxDioMemAlignOffset = 152;
    private const int StatxDioOffsetAlignOffset = 156;

    /// <summary>Whether direct durable writes can be attempted on this platform.</summary>
    public static bool Supported => OperatingSystem.IsLinux() && ODirect != 0;

    // O_DIRECT: 040000 on x86/x64, 0200000 on arm/arm64.
    private static int ODirect => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 or Architecture.X86 => 0x4000,
        Architecture.Arm64 or Architecture.Arm => 0x10000,
        _ => 0,
    };

    /// <summary>
    /// The direct-I/O alignment of <paramref name="path"/>'s file system: file offsets and lengths must be multiples
    /// of <paramref name="offsetAlign"/>, buffers aligned to <paramref name="memoryAlign"/>. Returns false when the
    /// kernel does not report it (before Linux 6.1, or no statx); then both are 0. Reported as supported with
    /// <paramref name="offsetAlign"/> 0 means the file system refuses direct I/O for this file.
    /// </summary>
    public static bool TryGetAlignment(string path, out int memoryAlign, out int offsetAlign)
    {
        memoryAlign = 0;
        offsetAlign = 0;
        byte* buffer = stackalloc byte[StatxSize];
        new Span<byte>(buffer, StatxSize).Clear();
        int result;
        try
        {
            result = Statx(AtFdCwd, path, 0, StatxDioAlign, buffer);
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
        if (result != 0 || (*(uint*)buffer & StatxDioAlign) == 0)
        {
            return false;
        }
        memoryAlign = *(int*)(buffer + StatxDioMemAlignOffset);
        offsetAlign = *(int*)(buffer + StatxDioOffsetAlignOffset);
        return true;
    }

    /// <summary>
    /// Opens <paramref name="path"/> for direct durable writes (O_WRONLY | O_DIRECT | O_DSYNC | O_CLOEXEC); returns null
    /// when the file system refuses O_DIRECT (EINVAL) or the platform lacks it, throws on any other failure.
    /// </summary>
    public static SafeFileHandle? TryOpen(string path)
    {
        if (!Supported)
        {
            return null;
        }
        int fd;
        do
        {
            fd = Open(path, OWriteOnly | ODirect | ODSync | OCloseOnExec);
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == EINTR);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EINVAL)
            {
                return null;
            }
            throw new IOException($"open of '{path}' for direct writes failed (errno {errno}).");
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// Writes [<paramref name="buffer"/>, +<paramref name="length"/>) at <paramref name="offset"/> through a handle from
    /// <see cref="TryOpen"/>; returns once the bytes are durable. Returns false, having written nothing, when the kernel
    /// refuses the write's alignment (EINVAL); throws on any other failure, a short write included.
    /// </summary>
    public static bool Write(SafeFileHandle handle, string path, byte* buffer, int length, long offset)
    {
        nint written;
        do
        {
            written = PWrite(handle, buffer, (nuint)length, offset);
        }
        while (written < 0 && Marshal.GetLastPInvokeError() == EINTR);
        if (written < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EINVAL)
            {
                return false;
            }
            throw new IOException($"Direct write of {length} bytes at {offset} of '{path}' failed (errno {errno}).");
        }
        if (written != length)
        {
            throw new IOException($"Direct write of {length} bytes at {offset} of '{path}' wrote only {written} bytes.");
        }
        return true;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    private static partial nint PWrite(SafeFileHandle fd, byte* buffer, nuint count, long offset);
}
