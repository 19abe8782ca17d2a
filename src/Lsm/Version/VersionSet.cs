using System.Diagnostics;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Table;
using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm.Version;

/// <summary>
/// The durable set of versions of every column family: the MANIFEST (a log of <see cref="VersionEdit"/>s),
/// CURRENT (names the live MANIFEST, switched atomically by rename), the file-number counter and the last
/// sequence. One <see cref="LogAndApply"/> runs at a time; it computes the new version under the DB mutex,
/// writes and syncs the MANIFEST without it, then installs the version under it again.
/// Lock order: DB mutex (a Monitor on <see cref="Mutex"/>) only; file reference counts are guarded by it.
/// </summary>
internal sealed class VersionSet : IDisposable
{
    private readonly string _dbPath;
    private ManifestLog? _manifest;
    private bool _manifestWriterActive; // guarded by Mutex
    private ulong _nextFileNumber = 2;  // guarded by Mutex
    private ulong _manifestFileNumber;
    private uint _maxColumnFamily;      // guarded by Mutex
    // Largest LastSequence written to the MANIFEST; edits never record less (a caller's value may be stale once it
    // waited for another writer, and ingested sequences exist in no WAL). Guarded by Mutex.
    private ulong _lastSequenceLogged;
    private readonly List<ulong> _obsoleteFiles = new(); // guarded by Mutex
    // Paths of obsolete files (SSTs, WALs) waiting to be deleted outside the mutex. Guarded by Mutex.
    private List<string> _pendingDeletes = new();

    public VersionSet(string dbPath, object mutex, TableCache tableCache)
    {
        _dbPath = dbPath;
        Mutex = mutex;
        TableCache = tableCache;
    }

    public object Mutex { get; }

    public TableCache TableCache { get; }

    /// <summary>The last sequence number recorded in the MANIFEST at open (the WAL may hold newer ones).</summary>
    public ulong RecoveredLastSequence { get; private set; }

    public ulong ManifestFileNumber => _manifestFileNumber;

    public string ManifestPath => _manifest?.Path ?? "";

    /// <summary>Allocates a file number. REQUIRES: DB mutex held.</summary>
    public ulong NewFileNumber()
    {
        Debug.Assert(Monitor.IsEntered(Mutex));
        return _nextFileNumber++;
    }

    public ulong PeekNextFileNumber => _nextFileNumber;

    public uint NewColumnFamilyId()
    {
        Debug.Assert(Monitor.IsEntered(Mutex));
        return ++_maxColumnFamily;
    }

    /// <summary>Column family state read from the MANIFEST.</summary>
    public sealed class RecoveredColumnFamily
    {
        public required uint Id;
        public required string Name;
        public ulong LogNumber;
        public readonly List<FileMetaData>[] Levels = CreateLevels(64);

        /// <summary>The code-supplied option names last recorded for the CF (null when never recorded).</summary>
        public SortedDictionary<string, string>? OptionNames;
    }

    /// <summary>
    /// Reads CURRENT and replays its MANIFEST. Returns the column families it describes, keyed by id.
    /// </summary>
    public Dictionary<uint, RecoveredColumnFamily> Recover()
    {
        string currentPath = Path.Combine(_dbPath, FileNames.Current);
        string current = File.ReadAllText(currentPath);
        if (!current.EndsWith('\n') || current.Length < 2)
        {
            ThrowHelper.ThrowCorruption(currentPath, 0, "CURRENT does not end with a newline");
        }
        string manifestName = current[..^1];
        if (FileNames.Parse(manifestName, out ulong manifestNumber) != FileNames.Kind.Manifest)
        {
            ThrowHelper.ThrowCorruption(currentPath, 0, $"CURRENT names '{manifestName}', not a MANIFEST");
        }
        string manifestPath = Path.Combine(_dbPath, manifestName);
        if (!File.Exists(manifestPath))
        {
            ThrowHelper.ThrowCorruption(currentPath, 0, $"CURRENT names '{manifestName}', which does not exist");
        }

        var cfs = new Dictionary<uint, RecoveredColumnFamily>
        {
            [0] = new RecoveredColumnFamily { Id = 0, Name = ColumnFamilyNames.Default },
        };
        ulong? nextFile = null;
        ulong? lastSequence = null;
        bool sawFormat = false;
        foreach ((byte[] payload, long offset) in ManifestLog.ReadAll(manifestPath))
        {
            VersionEdit edit = VersionEdit.Decode(payload, manifestPath, offset);
            if (edit.FormatVersion is uint fv)
            {
                if (fv > VersionEditFormat.CurrentFormatVersion)
                {
                    throw new NotSupportedException($"MANIFEST '{manifestPath}' has format version {fv}; this build reads up to {VersionEditFormat.CurrentFormatVersion}.");
                }
                sawFormat = true;
            }
            if (edit.Comparator is not null && edit.Comparator != BytewiseComparator.Name)
            {
                throw new InvalidOperationException($"DB was written with comparator '{edit.Comparator}', but this build uses '{BytewiseComparator.Name}'.");
            }
            if (edit.ColumnFamilyAdd is not null)
            {
                if (cfs.ContainsKey(edit.ColumnFamilyId))
                {
                    ThrowHelper.ThrowCorruption(manifestPath, offset, $"column family {edit.ColumnFamilyId} added twice");
                }
                cfs[edit.ColumnFamilyId] = new RecoveredColumnFamily { Id = edit.ColumnFamilyId, Name = edit.ColumnFamilyAdd };
                _maxColumnFamily = Math.Max(_maxColumnFamily, edit.ColumnFamilyId);
            }
            if (!cfs.TryGetValue(edit.ColumnFamilyId, out RecoveredColumnFamily? cf))
            {
                ThrowHelper.ThrowCorruption(manifestPath, offset, $"edit for unknown column family {edit.ColumnFamilyId}");
            }
            if (edit.ColumnFamilyDrop)
            {
                cfs.Remove(edit.ColumnFamilyId);
                continue;
            }
            foreach ((int level, ulong number) in edit.DeletedFiles)
            {
                if (level >= cf.Levels.Length || cf.Levels[level].RemoveAll(f => f.Number == number) != 1)
                {
                    ThrowHelper.ThrowCorruption(manifestPath, offset, $"deleted file #{number} is not at level {level}");
                }
            }
            foreach ((int level, FileMetaData f) in edit.NewFiles)
            {
                if (level >= cf.Levels.Length)
                {
                    ThrowHelper.ThrowCorruption(manifestPath, offset, $"file #{f.Number} at level {level}");
                }
                cf.Levels[level].Add(f);
            }
            if (edit.LogNumber is ulong ln)
            {
                cf.LogNumber = ln;
            }
            if (edit.OptionNames is not null)
            {
                cf.OptionNames = edit.OptionNames;
            }
            if (edit.NextFileNumber is ulong nf)
            {
                nextFile = nf;
            }
            if (edit.LastSequence is ulong ls)
            {
                lastSequence = Math.Max(lastSequence ?? 0, ls);
            }
            if (edit.MaxColumnFamily is uint mc)
            {
                _maxColumnFamily = Math.Max(_maxColumnFamily, mc);
            }
        }
        if (!sawFormat || nextFile is null || lastSequence is null)
        {
            ThrowHelper.ThrowCorruption(manifestPath, 0, "MANIFEST lacks its format version, next file number or last sequence");
        }
        _nextFileNumber = Math.Max(nextFile.Value, manifestNumber + 1);
        RecoveredLastSequence = lastSequence.Value;
        _lastSequenceLogged = lastSequence.Value;
        _manifestFileNumber = manifestNumber;
        return cfs;
    }

    /// <summary>
    /// Starts a new MANIFEST holding a full snapshot of <paramref name="cfs"/> and switches CURRENT to it.
    /// Called at open (for a new DB, and after recovery so the MANIFEST does not grow without bound).
    /// REQUIRES: DB mutex held, no other LogAndApply running.
    /// </summary>
    public void WriteSnapshotManifest(IReadOnlyList<ColumnFamily> cfs, ulong lastSequence)
    {
        ulong number = NewFileNumber();
        string path = FileNames.ManifestFileName(_dbPath, number);
        ManifestLog log = ManifestLog.Create(path);
        try
        {
            var head = new VersionEdit
            {
                FormatVersion = VersionEditFormat.CurrentFormatVersion,
                Comparator = BytewiseComparator.Name,
                NextFileNumber = _nextFileNumber,
                LastSequence = Math.Max(lastSequence, _lastSequenceLogged),
                MaxColumnFamily = _maxColumnFamily,
            };
            log.AddRecord(head.Encode());
            foreach (ColumnFamily cf in cfs)
            {
                var edit = new VersionEdit { ColumnFamilyId = cf.Id, LogNumber = cf.LogNumber, OptionNames = ColumnFamilyOptionNames.Of(cf.Options) };
                if (cf.Id != 0)
                {
                    edit.ColumnFamilyAdd = cf.Name;
                }
                Version v = cf.Current;
                for (int level = 0; level < v.NumLevels; level++)
                {
                    foreach (FileMetaData f in v.Files(level))
                    {
                        edit.AddFile(level, f);
                    }
                }
                log.AddRecord(edit.Encode());
            }
        }
        catch
        {
            log.Dispose();
            File.Delete(path);
            throw;
        }
        SetCurrent(number);
        ManifestLog? old = _manifest;
        _manifest = log;
        _manifestFileNumber = number;
        old?.Dispose();
    }

    private void SetCurrent(ulong manifestNumber)
    {
        string tmp = FileNames.TempFileName(_dbPath, manifestNumber);
        string content = Path.GetFileName(FileNames.ManifestFileName(_dbPath, manifestNumber)) + "\n";
        using (SafeFileHandleWrapper h = SafeFileHandleWrapper.Create(tmp))
        {
            h.WriteAllAndSync(System.Text.Encoding.ASCII.GetBytes(content));
        }
        File.Move(tmp, Path.Combine(_dbPath, FileNames.Current), overwrite: true);
        DirectorySync.Sync(_dbPath);
    }

    /// <summary>
    /// Applies <paramref name="edit"/> to <paramref name="cf"/>: builds the new version, records the edit durably in the
    /// MANIFEST, and installs the version as the CF's current one. REQUIRES: DB mutex held (it is released while the
    /// MANIFEST is written and re-acquired).
    /// </summary>
    public void LogAndApply(ColumnFamily cf, VersionEdit edit, ulong lastSequence)
    {
        Debug.Assert(Monitor.IsEntered(Mutex));
        while (_manifestWriterActive)
        {
            Monitor.Wait(Mutex);
        }
        _manifestWriterActive = true;
        try
        {
            edit.ColumnFamilyId = cf.Id;
            edit.NextFileNumber = _nextFileNumber;
            _lastSequenceLogged = Math.Max(_lastSequenceLogged, lastSequence);
            edit.LastSequence = _lastSequenceLogged;
            Version? newVersion = edit.ColumnFamilyDrop || edit.ColumnFamilyAdd is not null ? null : Apply(cf, cf.Current, edit);
            byte[] record = edit.Encode();

            Monitor.Exit(Mutex);
            try
            {
                _manifest!.AddRecord(record);
            }
            finally
            {
                Monitor.Enter(Mutex);
            }

            if (newVersion is not null)
            {
                InstallVersion(cf, newVersion);
            }
            if (edit.LogNumber is ulong ln)
            {
                cf.LogNumber = ln;
            }
        }
        finally
        {
            _manifestWriterActive = false;
            Monitor.PulseAll(Mutex);
        }
    }

    /// <summary>Makes <paramref name="version"/> the CF's current version. REQUIRES: DB mutex held.</summary>
    public void InstallVersion(ColumnFamily cf, Version version)
    {
        Debug.Assert(Monitor.IsEntered(Mutex));
        version.Ref();
        Version? old = cf.Current;
        cf.Current = version;
        old?.Unref();
    }

    /// <summary>Builds a version from a base and an edit (files deleted and added). REQUIRES: DB mutex held.</summary>
    public Version Apply(ColumnFamily cf, Version? baseVersion, VersionEdit edit)
    {
        int numLevels = cf.Options.NumLevels;
        List<FileMetaData>[] levels = CreateLevels(numLevels);
        if (baseVersion is not null)
        {
            for (int level = 0; level < numLevels; level++)
            {
                levels[level].AddRange(baseVersion.Files(level));
            }
        }
        foreach ((int level, ulong number) in edit.DeletedFiles)
        {
            int removed = levels[level].RemoveAll(f => f.Number == number);
            if (removed != 1)
            {
                ThrowHelper.ThrowInvalidOperation($"Version edit deletes file #{number} at level {level}, which the version does not hold.");
            }
        }
        foreach ((int level, FileMetaData f) in edit.NewFiles)
        {
            if (level >= numLevels)
            {
                ThrowHelper.ThrowInvalidOperation($"Version edit adds file #{f.Number} at level {level} of {numLevels}.");
            }
            levels[level].Add(f);
        }
        return NewVersion(cf, levels);
    }

    /// <summary>Creates a version over sorted levels and takes a reference on each file. REQUIRES: DB mutex held.</summary>
    public Version NewVersion(ColumnFamily cf, List<FileMetaData>[] levels)
    {
        SortLevels(levels);
        CheckLevels(levels);
        foreach (List<FileMetaData> files in levels)
        {
            foreach (FileMetaData f in files)
            {
                f.Refs++;
            }
        }
        var v = new Version(this, cf, levels);
        Compaction.CompactionPicker.ComputeScores(v, cf.Options);
        return v;
    }

    public static void SortLevels(List<FileMetaData>[] levels)
    {
        // L0: newest first. Deeper levels: by smallest internal key.
        levels[0].Sort(static (a, b) =>
        {
            int c = b.LargestSequence.CompareTo(a.LargestSequence);
            return c != 0 ? c : b.Number.CompareTo(a.Number);
        });
        for (int level = 1; level < levels.Length; level++)
        {
            levels[level].Sort(static (a, b) => InternalKey.Compare(a.Smallest, b.Smallest));
        }
    }

    private static void CheckLevels(List<FileMetaData>[] levels)
    {
        for (int level = 1; level < levels.Length; level++)
        {
            List<FileMetaData> files = levels[level];
            for (int i = 1; i < files.Count; i++)
            {
                if (InternalKey.Compare(files[i - 1].Largest, files[i].Smallest) >= 0
                    || (files[i - 1].LargestUserKey.SequenceCompareTo(files[i].SmallestUserKey) >= 0 && !Version.IsEndSentinel(files[i - 1].Largest)))
                {
                    ThrowHelper.ThrowInvalidOperation($"Files #{files[i - 1].Number} and #{files[i].Number} overlap at level {level}.");
                }
            }
        }
    }

    public static List<FileMetaData>[] CreateLevels(int count)
    {
        var levels = new List<FileMetaData>[count];
        for (int i = 0; i < count; i++)
        {
            levels[i] = new List<FileMetaData>();
        }
        return levels;
    }

    /// <summary>Called when a version's last reference goes: its files lose a reference; unlisted files are deleted.</summary>
    public void ReleaseVersion(Version version)
    {
        lock (Mutex)
        {
            for (int level = 0; level < version.NumLevels; level++)
            {
                foreach (FileMetaData f in version.Files(level))
                {
                    if (--f.Refs == 0)
                    {
                        _obsoleteFiles.Add(f.Number);
                    }
                }
            }
            DeleteObsoleteFilesLocked();
        }
    }

    private void DeleteObsoleteFilesLocked()
    {
        foreach (ulong number in _obsoleteFiles)
        {
            TableCache.Evict(number);
            _pendingDeletes.Add(FileNames.TableFileName(_dbPath, number));
        }
        _obsoleteFiles.Clear();
    }

    /// <summary>
    /// Queues an obsolete file for deletion by the next <c>LsmDb.PurgeObsoleteFiles</c>: deleting under the mutex made
    /// writers wait for the file system (an unlink with online discard took 10-25 ms). REQUIRES: Mutex held.
    /// </summary>
    public void QueueDelete(string path)
    {
        Debug.Assert(Monitor.IsEntered(Mutex));
        _pendingDeletes.Add(path);
    }

    /// <summary>Takes the queued deletions (null when none). REQUIRES: Mutex held.</summary>
    public List<string>? TakePendingDeletes()
    {
        Debug.Assert(Monitor.IsEntered(Mutex));
        if (_pendingDeletes.Count == 0)
        {
            return null;
        }
        List<string> taken = _pendingDeletes;
        _pendingDeletes = new List<string>();
        return taken;
    }

    public void Dispose()
    {
        _manifest?.Dispose();
        _manifest = null;
    }
}
