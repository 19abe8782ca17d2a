namespace ManagedKv.RaftEngine.Tests;

/// <summary>A fresh temporary directory per test, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mkv-raftengine-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>
    /// Whether the engine can write directly here (<see cref="RaftEngineOptions.DirectSyncedWrites"/>): Linux, and a
    /// file system that reports a direct-I/O alignment it accepts and opens files with O_DIRECT.
    /// </summary>
    public bool SupportsDirectIo()
    {
        if (!NativeDirectIo.Supported)
        {
            return false;
        }
        string probe = System.IO.Path.Combine(Path, "direct-probe");
        File.WriteAllBytes(probe, new byte[4096]);
        try
        {
            if (NativeDirectIo.TryGetAlignment(probe, out _, out int offsetAlign) && offsetAlign == 0)
            {
                return false;
            }
            using Microsoft.Win32.SafeHandles.SafeFileHandle? handle = NativeDirectIo.TryOpen(probe);
            return handle != null;
        }
        finally
        {
            File.Delete(probe);
        }
    }

    public string[] LogFiles()
    {
        string[] files = Directory.GetFiles(Path, "*.raftlog");
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
