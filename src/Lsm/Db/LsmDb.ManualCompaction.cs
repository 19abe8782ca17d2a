using ManagedKv.Lsm.Version;

namespace ManagedKv.Lsm;

// CompactRange with options: the range down the levels, then the bottommost level, then an optional level change.
// Runs on the calling thread, holding the DB mutex except while merging.
public sealed partial class LsmDb
{
    private static readonly CompactRangeOptions s_defaultCompactRangeOptions = new();

    /// <summary>
    /// Compacts every file of <paramref name="cf"/> overlapping the user-key range [begin, end] (null = unbounded) down
    /// the levels, level by level, until the range sits in the deepest non-empty level; then, as
    /// <see cref="CompactRangeOptions.BottommostLevelCompaction"/> says, rewrites that level's files in the range (which
    /// drops tombstones and runs the compaction filter over them); then, with <see cref="CompactRangeOptions.ChangeLevel"/>,
    /// moves the level to the target level. Flushes the column family first. Runs on the calling thread to completion;
    /// Dispose interrupts it (<see cref="OperationCanceledException"/>). A background error fails it (<see cref="IOException"/>).
    /// </summary>
    public void CompactRange(ColumnFamily cf, byte[]? begin, byte[]? end, CompactRangeOptions options)
    {
        ArgumentNullException.ThrowIfNull(cf);
        ArgumentNullException.ThrowIfNull(options);
        CheckColumnFamily(cf);
        if (options.TargetLevel < -1 || options.TargetLevel >= cf.Options.NumLevels)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.TargetLevel, $"TargetLevel must be in [-1, {cf.Options.NumLevels - 1}].");
        }
        Flush(cf, wait: true);
        lock (_mutex)
        {
            bool exclusive = options.ExclusiveManualCompaction;
            if (exclusive)
            {
                _manualCompactions++;
            }
            try
            {
                if (exclusive)
                {
                    while (_runningCompactions > 0)
                    {
                        ThrowIfStopping();
                        Monitor.Wait(_mutex, 100);
                    }
                }
                ulong firstNewFile = _versions.PeekNextFileNumber; // files numbered from here on were written by this call
                int lastOutputLevel = CompactRangeDownLocked(cf, begin, end);
                bool bottommost = options.BottommostLevelCompaction switch
                {
                    BottommostLevelCompaction.Skip => false,
                    BottommostLevelCompaction.IfHaveCompactionFilter => cf.Options.CompactionFilterFactory is not null,
                    _ => true,
                };
                if (bottommost)
                {
                    ulong cutoff = options.BottommostLevelCompaction == BottommostLevelCompaction.ForceOptimized ? firstNewFile : _versions.PeekNextFileNumber;
                    int level = CompactBottommostLocked(cf, begin, end, cutoff);
                    if (level > 0)
                    {
                        lastOutputLevel = level;
                    }
                }
                if (options.ChangeLevel)
                {
                    ChangeLevelLocked(cf, lastOutputLevel >= 0 ? lastOutputLevel : DeepestNonEmptyLevel(cf.Current), options.TargetLevel);
                }
            }
            finally
            {
                if (exclusive)
                {
                    _manualCompactions--;
                }
                MaybeScheduleWork();
            }
        }
        PurgeObsoleteFiles();
    }

    private void ThrowIfStopping()
    {
        ThrowIfBackgroundError();
        if (_shuttingDown || _disposed)
        {
            throw new OperationCanceledException("The DB is shutting down.");
        }
    }

    /// <summary>
    /// Compacts the range level by level down to the deepest non-empty level. Returns the last output level, or -1 when
    /// nothing was compacted. REQUIRES: DB mutex held.
    /// </summary>
    private int CompactRangeDownLocked(ColumnFamily cf, byte[]? begin, byte[]? end)
    {
        int lastOutputLevel = -1;
        int level = 0;
        while (true)
        {
            ThrowIfStopping();
            Version.Version v = cf.Current;
            int deepest = DeepestNonEmptyLevel(v);
            if (level >= deepest && !(level == 0 && deepest == 0 && v.NumFiles(0) > 0))
            {
                return lastOutputLevel;
            }
            int outputLevel = level == 0 ? Math.Max(v.BaseLevel, 1) : level + 1;
            if (level == 0 && deepest == 0)
            {
                outputLevel = v.BaseLevel; // only L0 has data: move it to the base level
            }
            Compaction.Compaction? c = Compaction.CompactionPicker.PickManual(cf, level, outputLevel, begin, end, out bool busy);
            if (busy)
            {
                Monitor.Wait(_mutex, 100);
                continue;
            }
            if (c is not null)
            {
                RunCompactionLocked(c);
                ThrowIfBackgroundError();
                lastOutputLevel = outputLevel;
                continue; // the level may still hold overlapping files written meanwhile
            }
            level = level == 0 ? Math.Max(outputLevel, 1) : level + 1;
        }
    }

    /// <summary>
    /// Rewrites, in place, the files of the deepest non-empty level that overlap the range and are numbered below
    /// <paramref name="cutoff"/>, one contiguous run of such files at a time (so outputs never overlap the files left
    /// alone). Returns that level (0 when there is none). REQUIRES: DB mutex held.
    /// </summary>
    private int CompactBottommostLocked(ColumnFamily cf, byte[]? begin, byte[]? end, ulong cutoff)
    {
        int bottom = DeepestNonEmptyLevel(cf.Current);
        if (bottom == 0)
        {
            return 0;
        }
        while (true)
        {
            ThrowIfStopping();
            Version.Version v = cf.Current;
            List<FileMetaData> files = v.GetOverlappingInputs(bottom, begin, end);
            int first = files.FindIndex(f => f.Number < cutoff);
            if (first < 0)
            {
                return bottom;
            }
            var run = new List<FileMetaData>();
            bool busy = false;
            for (int i = first; i < files.Count && files[i].Number < cutoff; i++)
            {
                run.Add(files[i]);
                busy |= files[i].BeingCompacted;
            }
            if (busy)
            {
                Monitor.Wait(_mutex, 100);
                continue;
            }
            RunCompactionLocked(new Compaction.Compaction(cf, v, bottom, bottom, run, [], "manual bottommost") { IsManual = true });
            ThrowIfBackgroundError();
        }
    }

    /// <summary>
    /// Moves every file of level <paramref name="from"/> to <paramref name="target"/> (-1: the smallest fitting level),
    /// as RocksDB's ReFitLevel. REQUIRES: DB mutex held.
    /// </summary>
    private void ChangeLevelLocked(ColumnFamily cf, int from, int target)
    {
        while (true)
        {
            ThrowIfStopping();
            Version.Version v = cf.Current;
            if (v.NumFiles(from) == 0)
            {
                return;
            }
            int to = target >= 0 ? target : MinimumLevelFitting(v, from);
            if (to == from)
            {
                return;
            }
            int lo = Math.Min(from, to);
            int hi = Math.Max(from, to);
            for (int level = lo; level <= hi; level++)
            {
                if (level != from && v.NumFiles(level) > 0)
                {
                    throw new InvalidOperationException($"Cannot move level {from} to level {to} of column family '{cf.Name}': level {level} holds {v.NumFiles(level)} files.");
                }
            }
            bool busy = false;
            foreach (FileMetaData f in v.Files(from))
            {
                busy |= f.BeingCompacted;
            }
            if (busy)
            {
                Monitor.Wait(_mutex, 100);
                continue;
            }
            var edit = new VersionEdit();
            foreach (FileMetaData f in v.Files(from))
            {
                edit.DeleteFile(from, f.Number);
                edit.AddFile(to, f);
            }
            _versions.LogAndApply(cf, edit, Volatile.Read(ref _lastSequence));
            cf.InstallSuperVersion();
            MaybeScheduleWork();
            return;
        }
    }

    /// <summary>RocksDB's FindMinimumEmptyLevelFitting: climb from <paramref name="level"/> while levels are empty and big enough.</summary>
    private static int MinimumLevelFitting(Version.Version v, int level)
    {
        int minimum = level;
        for (int i = level - 1; i > 0; i--)
        {
            if (v.NumFiles(i) > 0 || i >= v.LevelTargets.Length || v.LevelTargets[i] < v.LevelBytes[level])
            {
                break;
            }
            minimum = i;
        }
        return minimum;
    }
}
