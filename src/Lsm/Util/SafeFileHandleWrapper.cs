using Microsoft.Win32.SafeHandles;

namespace ManagedKv.Lsm;

/// <summary>A small file written whole and synced (CURRENT's temporary file).</summary>
internal readonly struct SafeFileHandleWrapper : IDisposable
{
    private readonly SafeFileHandle _handle;

    private SafeFileHandleWrapper(SafeFileHandle handle) => _handle = handle;

    public static SafeFileHandleWrapper Create(string path) =>
        new(File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.None));

    public void WriteAllAndSync(ReadOnlySpan<byte> data)
    {
        RandomAccess.Write(_handle, data, 0);
        RandomAccess.FlushToDisk(_handle);
    }

    public void Dispose() => _handle.Dispose();
}
