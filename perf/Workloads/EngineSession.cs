using ManagedKv.Perf.Engines;

namespace ManagedKv.Perf.Workloads;

/// <summary>
/// One engine's state across the workloads of a run: its directory (closed between workloads, reopened by the next
/// one) and the harness's model of its contents. Fill workloads reset both. Used by the run's single driver thread.
/// </summary>
internal sealed class EngineSession
{
    public EngineSession(EngineDescriptor descriptor, string directory)
    {
        Descriptor = descriptor;
        Directory = directory;
    }

    public EngineDescriptor Descriptor { get; }

    public string Directory { get; }

    /// <summary>Key numbers the DB holds, or null before the first fill.</summary>
    public LiveKeySet? Live { get; private set; }

    /// <summary>Where the model is kept between workloads run in child processes (beside the DB, not in it).</summary>
    public string StatePath => Directory + ".live";

    /// <summary>Loads the model saved by <see cref="SaveState"/>, if any.</summary>
    public void LoadState()
    {
        Live = File.Exists(StatePath) ? LiveKeySet.Load(StatePath) : null;
    }

    public void SaveState()
    {
        if (Live is not null)
        {
            Live.Save(StatePath);
        }
    }

    /// <summary>Deletes the directory and starts an empty model.</summary>
    public void Reset(long capacity)
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        System.IO.Directory.CreateDirectory(Directory);
        Live = new LiveKeySet(capacity);
    }

    /// <summary>Sum of the sizes of all files under the directory.</summary>
    public long SizeOnDisk()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return 0;
        }
        long total = 0;
        foreach (FileInfo file in new DirectoryInfo(Directory).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            total += file.Length;
        }
        return total;
    }
}
