using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Version;

namespace ManagedKv.Lsm.Compaction;

/// <summary>
/// Leveled compaction: level targets (with RocksDB's dynamic level bytes), per-level scores, and the choice of the
/// next compaction. Static methods; callers hold the DB mutex.
/// </summary>
internal static class CompactionPicker
{
    /// <summary>Computes targets, base level and scores of a new version (RocksDB's CalculateBaseBytes).</summary>
    public static void ComputeScores(Version.Version v, ColumnFamilyOptions options)
    {
        int numLevels = v.NumLevels;
        long[] targets = new long[numLevels];
        double multiplier = options.MaxBytesForLevelMultiplier;
        long baseBytesMax = options.MaxBytesForLevelBase;
        int baseLevel;
        if (!options.LevelCompactionDynamicLevelBytes)
        {
            baseLevel = 1;
            double size = baseBytesMax;
            for (int level = 1; level < numLevels; level++)
            {
                targets[level] = (long)Math.Min(size, long.MaxValue / 2);
                size *= multiplier;
            }
        }
        else
        {
            int firstNonEmpty = -1;
            long maxLevelSize = 0;
            for (int level = 1; level < numLevels; level++)
            {
                if (v.NumFiles(level) > 0 && firstNonEmpty < 0)
                {
                    firstNonEmpty = level;
                }
                maxLevelSize = Math.Max(maxLevelSize, v.LevelBytes[level]);
            }
            if (firstNonEmpty < 0)
            {
                baseLevel = numLevels - 1; // L0 compacts straight into the last level
                targets[baseLevel] = baseBytesMax;
            }
            else
            {
                long baseBytesMin = (long)(baseBytesMax / multiplier);
                double cur = maxLevelSize;
                for (int level = numLevels - 2; level >= firstNonEmpty; level--)
                {
                    cur /= multiplier;
                }
                double baseLevelSize;
                if (cur <= baseBytesMin)
                {
                    baseLevel = firstNonEmpty;
                    baseLevelSize = baseBytesMin + 1;
                }
                else
                {
                    baseLevel = firstNonEmpty;
                    while (baseLevel > 1 && cur > baseBytesMax)
                    {
                        baseLevel--;
                        cur /= multiplier;
                    }
                    baseLevelSize = Math.Min(cur, baseBytesMax);
                }
                double size = baseLevelSize;
                for (int level = baseLevel; level < numLevels; level++)
                {
                    if (level > baseLevel)
                    {
                        size *= multiplier;
                    }
                    // Never below the base size, so the tree does not take an hourglass shape (RocksDB).
                    targets[level] = (long)Math.Min(level > baseLevel ? Math.Max(size, baseBytesMax) : size, long.MaxValue / 2);
                }
            }
        }

        double[] scores = new double[numLevels];
        long averageValue = AverageValueBytes(v);
        int l0Files = 0;
        long l0Bytes = 0;
        foreach (FileMetaData f in v.Files(0))
        {
            if (!f.BeingCompacted)
            {
                l0Files++;
                l0Bytes += CompensatedSize(f, averageValue);
            }
        }
        // RocksDB's level-0 score: files against the trigger, and the (compensated) bytes, so that L0 files full of
        // deletions, or L0 grown larger than the level it compacts into, are compacted before the file count says so.
        scores[0] = (double)l0Files / options.Level0FileNumCompactionTrigger;
        if (options.LevelCompactionDynamicLevelBytes)
        {
            if (l0Bytes >= baseBytesMax)
            {
                scores[0] = Math.Max(scores[0], 1.01);
            }
            if (l0Bytes > targets[baseLevel])
            {
                long baseLevelBytes = 0;
                foreach (FileMetaData f in v.Files(baseLevel))
                {
                    baseLevelBytes += CompensatedSize(f, averageValue);
                }
                scores[0] = Math.Max(scores[0], l0Bytes / (double)Math.Max(Math.Max(baseLevelBytes, targets[baseLevel]), 1));
            }
        }
        else
        {
            scores[0] = Math.Max(scores[0], l0Bytes / (double)Math.Max(baseBytesMax, 1));
        }
        long pending = 0;
        if (scores[0] >= 1)
        {
            pending += v.LevelBytes[0];
        }
        for (int level = 1; level < numLevels - 1; level++)
        {
            if (targets[level] <= 0)
            {
                continue;
            }
            long bytes = 0;
            foreach (FileMetaData f in v.Files(level))
            {
                if (!f.BeingCompacted)
                {
                    bytes += CompensatedSize(f, averageValue);
                }
            }
            scores[level] = (double)bytes / targets[level];
            if (v.LevelBytes[level] > targets[level])
            {
                double ratio = v.LevelBytes[level + 1] / (double)Math.Max(v.LevelBytes[level], 1);
                pending += (long)((v.LevelBytes[level] - targets[level]) * (ratio + 1));
            }
        }
        v.Scores = scores;
        v.BaseLevel = baseLevel;
        v.LevelTargets = targets;
        v.EstimatedPendingCompactionBytes = pending;
    }

    /// <summary>
    /// RocksDB's compensated file size: a file with at least as many deletions as other entries counts as larger by
    /// the values its deletions are expected to remove (twice the average value size per excess deletion,
    /// kDeletionWeightOnCompaction), so levels holding many tombstones are compacted sooner and the space they cover
    /// is reclaimed. Files without known stats count at their size.
    /// </summary>
    internal static long CompensatedSize(FileMetaData f, long averageValue)
    {
        long size = f.FileSize;
        if (f.HasStats && f.NumDeletions * 2 >= f.NumEntries)
        {
            size += (f.NumDeletions * 2 - f.NumEntries) * averageValue * DeletionWeight;
        }
        return size;
    }

    private const int DeletionWeight = 2;

    /// <summary>Average raw value bytes per non-deletion entry over the version's files with known stats (0 if none).</summary>
    internal static long AverageValueBytes(Version.Version v)
    {
        long values = 0;
        long entries = 0;
        for (int level = 0; level < v.NumLevels; level++)
        {
            foreach (FileMetaData f in v.Files(level))
            {
                if (f.HasStats)
                {
                    values += f.RawValueBytes;
                    entries += f.NumEntries - f.NumDeletions;
                }
            }
        }
        return entries > 0 ? values / entries : 0;
    }

    /// <summary>
    /// Picks the most urgent compaction of <paramref name="cf"/> whose files are not already being compacted, or null.
    /// REQUIRES: DB mutex held.
    /// </summary>
    public static Compaction? Pick(ColumnFamily cf)
    {
        if (cf.IngestInProgress)
        {
            return null; // an ingest is placing files by the current version; wait until it commits
        }
        Version.Version v = cf.Current;
        ComputeScores(v, cf.Options); // compaction marks changed since the version was built
        int numLevels = v.NumLevels;
        Span<int> order = stackalloc int[numLevels];
        for (int i = 0; i < numLevels; i++)
        {
            order[i] = i;
        }
        double[] scores = v.Scores;
        // Highest score first (insertion sort; a handful of levels).
        for (int i = 1; i < numLevels; i++)
        {
            int x = order[i];
            int j = i - 1;
            while (j >= 0 && scores[order[j]] < scores[x])
            {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = x;
        }
        foreach (int level in order)
        {
            if (scores[level] < 1)
            {
                break;
            }
            Compaction? c = level == 0 ? PickL0(cf, v) : PickLevel(cf, v, level);
            if (c is not null)
            {
                return c;
            }
        }
        return null;
    }

    private static Compaction? PickL0(ColumnFamily cf, Version.Version v)
    {
        IReadOnlyList<FileMetaData> l0 = v.Files(0);
        foreach (FileMetaData f in l0)
        {
            if (f.BeingCompacted)
            {
                return null; // L0 compactions are exclusive
            }
        }
        var inputs = new List<FileMetaData>(l0);
        int outputLevel = v.BaseLevel;
        (byte[] lo, byte[] hi) = UserKeyRange(inputs);
        List<FileMetaData> overlap = v.GetOverlappingInputs(outputLevel, lo, hi);
        if (AnyBeingCompacted(overlap))
        {
            return null;
        }
        var c = new Compaction(cf, v, 0, outputLevel, inputs, overlap, "L0 file count");
        c.IsTrivialMove = overlap.Count == 0 && !MutuallyOverlapping(inputs);
        return c;
    }

    private static Compaction? PickLevel(ColumnFamily cf, Version.Version v, int level)
    {
        if (level >= v.NumLevels - 1)
        {
            return null;
        }
        int outputLevel = level + 1;
        IReadOnlyList<FileMetaData> files = v.Files(level);
        FileMetaData? best = null;
        List<FileMetaData>? bestOverlap = null;
        double bestRatio = double.MaxValue;
        foreach (FileMetaData f in files)
        {
            if (f.BeingCompacted)
            {
                continue;
            }
            List<FileMetaData> overlap = v.GetOverlappingInputs(outputLevel, f.SmallestUserKey.ToArray(), f.LargestUserKey.ToArray());
            if (AnyBeingCompacted(overlap))
            {
                continue;
            }
            long overlapBytes = 0;
            foreach (FileMetaData o in overlap)
            {
                overlapBytes += o.FileSize;
            }
            // RocksDB's kMinOverlappingRatio: least rewriting per byte moved down.
            double ratio = overlapBytes / (double)Math.Max(f.FileSize, 1);
            if (ratio < bestRatio)
            {
                bestRatio = ratio;
                best = f;
                bestOverlap = overlap;
            }
        }
        if (best is null)
        {
            return null;
        }
        var c = new Compaction(cf, v, level, outputLevel, [best], bestOverlap!, $"L{level} size");
        c.IsTrivialMove = bestOverlap!.Count == 0;
        return c;
    }

    /// <summary>
    /// A manual compaction of the files overlapping [begin, end] from <paramref name="level"/> into
    /// <paramref name="outputLevel"/>, or null when the level has no such files or they are busy.
    /// </summary>
    public static Compaction? PickManual(ColumnFamily cf, int level, int outputLevel, byte[]? begin, byte[]? end, out bool busy)
    {
        busy = cf.IngestInProgress;
        if (busy)
        {
            return null;
        }
        Version.Version v = cf.Current;
        List<FileMetaData> inputs = v.GetOverlappingInputs(level, begin, end);
        if (inputs.Count == 0)
        {
            return null;
        }
        if (AnyBeingCompacted(inputs) || (level == 0 && AnyBeingCompacted(v.Files(0))))
        {
            busy = true;
            return null;
        }
        List<FileMetaData> overlap;
        if (outputLevel == level)
        {
            overlap = new List<FileMetaData>();
        }
        else
        {
            (byte[] lo, byte[] hi) = UserKeyRange(inputs);
            overlap = v.GetOverlappingInputs(outputLevel, lo, hi);
            if (AnyBeingCompacted(overlap))
            {
                busy = true;
                return null;
            }
        }
        return new Compaction(cf, v, level, outputLevel, inputs, overlap, "manual") { IsManual = true };
    }

    private static bool AnyBeingCompacted(IReadOnlyList<FileMetaData> files)
    {
        foreach (FileMetaData f in files)
        {
            if (f.BeingCompacted)
            {
                return true;
            }
        }
        return false;
    }

    private static bool MutuallyOverlapping(List<FileMetaData> files)
    {
        var sorted = new List<FileMetaData>(files);
        sorted.Sort(static (a, b) => InternalKey.Compare(a.Smallest, b.Smallest));
        for (int i = 1; i < sorted.Count; i++)
        {
            if (sorted[i - 1].LargestUserKey.SequenceCompareTo(sorted[i].SmallestUserKey) >= 0)
            {
                return true;
            }
        }
        return false;
    }

    public static (byte[] Lo, byte[] Hi) UserKeyRange(IReadOnlyList<FileMetaData> files)
    {
        ReadOnlySpan<byte> lo = files[0].SmallestUserKey;
        ReadOnlySpan<byte> hi = files[0].LargestUserKey;
        for (int i = 1; i < files.Count; i++)
        {
            if (files[i].SmallestUserKey.SequenceCompareTo(lo) < 0)
            {
                lo = files[i].SmallestUserKey;
            }
            if (files[i].LargestUserKey.SequenceCompareTo(hi) > 0)
            {
                hi = files[i].LargestUserKey;
            }
        }
        return (lo.ToArray(), hi.ToArray());
    }
}
