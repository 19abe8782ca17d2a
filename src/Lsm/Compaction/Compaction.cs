using ManagedKv.Lsm.Version;

namespace ManagedKv.Lsm.Compaction;

/// <summary>
/// One picked compaction: input files of a start level and the overlapping files of the output level, the version
/// they came from (referenced until the compaction ends) and how its output is written.
/// </summary>
internal sealed class Compaction
{
    public Compaction(ColumnFamily cf, Version.Version inputVersion, int startLevel, int outputLevel, List<FileMetaData> startInputs, List<FileMetaData> outputInputs, string reason)
    {
        ColumnFamily = cf;
        InputVersion = inputVersion;
        StartLevel = startLevel;
        OutputLevel = outputLevel;
        StartInputs = startInputs;
        OutputInputs = outputInputs;
        Reason = reason;
    }

    public ColumnFamily ColumnFamily { get; }

    public Version.Version InputVersion { get; }

    public int StartLevel { get; }

    public int OutputLevel { get; }

    public List<FileMetaData> StartInputs { get; }

    public List<FileMetaData> OutputInputs { get; }

    public string Reason { get; }

    /// <summary>Every input is moved to the output level without rewriting (no overlap to merge with).</summary>
    public bool IsTrivialMove { get; set; }

    /// <summary>A manual compaction that must rewrite even a single file (e.g. to drop tombstones).</summary>
    public bool IsManual { get; set; }

    public long InputBytes
    {
        get
        {
            long sum = 0;
            foreach (FileMetaData f in StartInputs)
            {
                sum += f.FileSize;
            }
            foreach (FileMetaData f in OutputInputs)
            {
                sum += f.FileSize;
            }
            return sum;
        }
    }

    /// <summary>
    /// Marks the inputs and registers the compaction as running in its column family (ingest keeps new files out of
    /// its output range). REQUIRES: DB mutex held.
    /// </summary>
    public void MarkBeingCompacted(bool value)
    {
        if (value)
        {
            ColumnFamily.RunningCompactions.Add(this);
        }
        else
        {
            ColumnFamily.RunningCompactions.Remove(this);
        }
        foreach (FileMetaData f in StartInputs)
        {
            f.BeingCompacted = value;
        }
        foreach (FileMetaData f in OutputInputs)
        {
            f.BeingCompacted = value;
        }
    }
}
