namespace ManagedKv.Perf.Workloads;

/// <summary>Command-line names of <see cref="Workload"/>s and the default sequence.</summary>
public static class WorkloadNames
{
    private static readonly (string Name, Workload Workload)[] s_names =
    [
        ("fillseq", Workload.FillSeq),
        ("fillrandom", Workload.FillRandom),
        ("overwrite", Workload.Overwrite),
        ("fillsync", Workload.FillSync),
        ("readrandom", Workload.ReadRandom),
        ("readmissing", Workload.ReadMissing),
        ("readseq", Workload.ReadSeq),
        ("readreverse", Workload.ReadReverse),
        ("seekrandom", Workload.SeekRandom),
        ("deleterandom", Workload.DeleteRandom),
        ("readwhilewriting", Workload.ReadWhileWriting),
        ("mixed", Workload.Mixed),
        ("flush", Workload.Flush),
        ("compact", Workload.Compact),
    ];

    /// <summary>
    /// The default run: fills first, reads over the DB left by fillrandom + overwrite, destructive ones last
    /// (deleterandom empties much of the DB; fillsync starts a fresh one).
    /// </summary>
    public static IReadOnlyList<Workload> Default { get; } =
    [
        Workload.FillSeq, Workload.FillRandom, Workload.Overwrite, Workload.ReadRandom, Workload.ReadMissing,
        Workload.ReadSeq, Workload.ReadReverse, Workload.SeekRandom, Workload.ReadWhileWriting, Workload.Mixed,
        Workload.DeleteRandom, Workload.FillSync,
    ];

    public static IEnumerable<string> All
    {
        get
        {
            foreach ((string name, _) in s_names)
            {
                yield return name;
            }
        }
    }

    public static string NameOf(Workload workload)
    {
        foreach ((string name, Workload w) in s_names)
        {
            if (w == workload)
            {
                return name;
            }
        }
        throw new ArgumentOutOfRangeException(nameof(workload), workload, null);
    }

    public static bool TryParse(string name, out Workload workload)
    {
        foreach ((string n, Workload w) in s_names)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            {
                workload = w;
                return true;
            }
        }
        workload = default;
        return false;
    }

    /// <summary>Workloads that start from an empty directory.</summary>
    public static bool StartsFresh(Workload workload) => workload is Workload.FillSeq or Workload.FillRandom or Workload.FillSync;
}
