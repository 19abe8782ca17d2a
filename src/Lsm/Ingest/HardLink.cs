using System.Runtime.InteropServices;

namespace ManagedKv.Lsm.Ingest;

/// <summary>Creates hard links (POSIX <c>link</c>, Windows <c>CreateHardLinkW</c>): how ingest "moves" a file without losing the original on failure.</summary>
internal static partial class HardLink
{
    /// <summary>Links <paramref name="destination"/> to the file at <paramref name="source"/>; false when the platform or file system refuses.</summary>
    public static bool TryCreate(string source, string destination)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                return CreateHardLinkW(destination, source, IntPtr.Zero);
            }
            return Link(source, destination) == 0;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string oldPath, string newPath);

    [LibraryImport("kernel32", EntryPoint = "CreateHardLinkW", StringMarshalling = StringMarshalling.Utf16, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool CreateHardLinkW(string fileName, string existingFileName, IntPtr securityAttributes);
}
