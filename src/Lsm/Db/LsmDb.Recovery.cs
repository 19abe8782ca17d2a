using ManagedKv.Lsm.Compaction;
using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Keys;
using ValueType = ManagedKv.Lsm.Keys.ValueType;
using ManagedKv.Lsm.Memtable;
using ManagedKv.Lsm.Version;
using ManagedKv.Lsm.Wal;

namespace ManagedKv.Lsm;

// Open: read the MANIFEST, replay the WAL files each CF still needs into memtables, write those to L0, start a new
// WAL and a new MANIFEST, and delete every file no version or WAL range needs.
public sealed partial class LsmDb
{
    private void Recover(bool exists)
    {
        lock (_mutex)
        {
            if (!exists)
            {
                var cf = new ColumnFamily(this, 0, ColumnFamilyNames.Default, _options.DefaultColumnFamilyOptions.Clone());
                cf.Mem = NewMemTable(cf);
                _versions.InstallVersion(cf, _versions.NewVersion(cf, VersionSet.CreateLevels(cf.Options.NumLevels)));
                AddColumnFamilyLocked(cf);
                _defaultCf = cf;
            }
            else
            {
                Dictionary<uint, VersionSet.RecoveredColumnFamily> recovered = _versions.Recover();
                foreach (VersionSet.RecoveredColumnFamily r in recovered.Values)
                {
                    ColumnFamilyOptions cfo = (r.Id == 0
                        ? (_options.ColumnFamilies.TryGetValue(r.Name, out ColumnFamilyOptions? d) ? d : _options.DefaultColumnFamilyOptions)
                        : (_options.ColumnFamilies.TryGetValue(r.Name, out ColumnFamilyOptions? o) ? o : _options.DefaultColumnFamilyOptions)).Clone();
                    ColumnFamilyOptionNames.Check(r.Name, r.OptionNames, ColumnFamilyOptionNames.Of(cfo));
                    var cf = new ColumnFamily(this, r.Id, r.Name, cfo) { LogNumber = r.LogNumber };
                    int deepest = 0;
                    for (int level = 0; level < r.Levels.Length; level++)
                    {
                        if (r.Levels[level].Count > 0)
                        {
                            deepest = level;
                        }
                    }
                    if (deepest >= cfo.NumLevels)
                    {
                        throw new ArgumentException($"Column family '{r.Name}' has files at level {deepest}, but NumLevels is {cfo.NumLevels}.");
                    }
                    List<FileMetaData>[] levels = VersionSet.CreateLevels(cfo.NumLevels);
                    for (int level = 0; level < cfo.NumLevels; level++)
                    {
                        levels[level].AddRange(r.Levels[level]);
                    }
                    cf.Mem = NewMemTable(cf);
                    _versions.InstallVersion(cf, _versions.NewVersion(cf, levels));
                    AddColumnFamilyLocked(cf);
                    if (r.Id == 0)
                    {
                        _defaultCf = cf;
                    }
                }
                foreach (string name in _options.ColumnFamilies.Keys)
                {
                    if (!_cfByName.ContainsKey(name) && !_options.CreateMissingColumnFamilies)
                    {
                        throw new ArgumentException($"Column family '{name}' does not exist in '{_path}' and CreateMissingColumnFamilies is false.");
                    }
                }
                ReplayWals();
            }

            // A fresh WAL for the new run; every CF's data up to now is in SSTs.
            _walNumber = _versions.NewFileNumber();
            _wal = CreateWal(_walNumber);
            foreach (ColumnFamily cf in LiveColumnFamilies())
            {
                cf.LogNumber = _walNumber;
            }
            _versions.WriteSnapshotManifest(LiveColumnFamilies(), _lastSequence);
            _lastAllocated = _lastSequence;
            foreach (ColumnFamily cf in LiveColumnFamilies())
            {
                cf.InstallSuperVersion();
            }
            DeleteUnreferencedFiles();
        }
        foreach (string name in _options.ColumnFamilies.Keys)
        {
            if (GetColumnFamily(name) is null)
            {
                CreateColumnFamily(name, _options.ColumnFamilies[name]);
            }
        }
    }

    /// <summary>Replays the WAL files (ascending) into memtables, flushing full ones to L0. REQUIRES: DB mutex held.</summary>
    private void ReplayWals()
    {
        ulong minLog = ulong.MaxValue;
        foreach (ColumnFamily cf in LiveColumnFamilies())
        {
            minLog = Math.Min(minLog, cf.LogNumber);
        }
        var logs = new List<ulong>();
        foreach (string file in Directory.EnumerateFiles(_path))
        {
            if (FileNames.Parse(System.IO.Path.GetFileName(file), out ulong number) == FileNames.Kind.Log && number >= minLog)
            {
                logs.Add(number);
            }
        }
        logs.Sort();
        ulong lastSequence = _versions.RecoveredLastSequence;
        bool stopped = false;
        List<ColumnFamily> live = LiveColumnFamilies(); // the set does not change during replay
        foreach (ulong number in logs)
        {
            if (stopped)
            {
                break; // PointInTimeRecovery: nothing after the first corruption is applied
            }
            string path = FileNames.LogFileName(_path, number);
            using var reader = new WalReader(path, number, _options.WalRecoveryMode);
            var replayer = new RecoveryReplayer(this, number);
            while (reader.TryReadRecord(out ReadOnlySpan<byte> record, out long offset))
            {
                Batch(record, offset, path, ref replayer, ref lastSequence);
                foreach (ColumnFamily cf in live)
                {
                    if (cf.Mem.ApproximateMemoryUsage >= cf.Options.WriteBufferSize)
                    {
                        FlushMemTableDuringRecovery(cf);
                    }
                }
            }
            stopped = reader.DropCount > 0 && _options.WalRecoveryMode == WalRecoveryMode.PointInTimeRecovery;
        }
        foreach (ColumnFamily cf in LiveColumnFamilies())
        {
            if (!cf.Mem.IsEmpty)
            {
                FlushMemTableDuringRecovery(cf);
            }
        }
        _lastSequence = lastSequence;
    }

    private static void Batch(ReadOnlySpan<byte> record, long offset, string path, ref RecoveryReplayer replayer, ref ulong lastSequence)
    {
        Util.Checks.RequireBatchHeader(record, path, offset);
        WriteBatch.Iterate(record, ref replayer, path, offset);
        ulong first = WriteBatch.ReadSequence(record);
        uint count = WriteBatch.ReadCount(record);
        if (count > 0)
        {
            lastSequence = Math.Max(lastSequence, first + count - 1);
        }
    }

    /// <summary>Writes a recovered memtable to an L0 file and records it. REQUIRES: DB mutex held, during open.</summary>
    private void FlushMemTableDuringRecovery(ColumnFamily cf)
    {
        MemTable mem = cf.Mem;
        cf.Mem = NewMemTable(cf);
        try
        {
            var writer = new TableOutputWriter(this, cf, 0, [], null, long.MaxValue, RangeDel.MemTableRangeDels.Get(mem));
            using (IInternalIterator it = mem.NewIterator())
            {
                Monitor.Exit(_mutex);
                try
                {
                    writer.Run(it, static () => false);
                }
                finally
                {
                    Monitor.Enter(_mutex);
                }
            }
            var edit = new VersionEdit();
            foreach (FileMetaData f in writer.Outputs)
            {
                edit.AddFile(0, f);
            }
            // LogNumber stays: the WAL being replayed is still needed until the new WAL takes over.
            _versions.InstallVersion(cf, _versions.Apply(cf, cf.Current, edit));
        }
        finally
        {
            mem.Unref();
        }
    }

    /// <summary>Deletes SSTs no version lists, WALs no CF needs, old MANIFESTs and temporary files. REQUIRES: DB mutex held, during open.</summary>
    private void DeleteUnreferencedFiles()
    {
        var live = new HashSet<ulong>();
        foreach (ColumnFamily cf in LiveColumnFamilies())
        {
            Version.Version v = cf.Current;
            for (int level = 0; level < v.NumLevels; level++)
            {
                foreach (FileMetaData f in v.Files(level))
                {
                    live.Add(f.Number);
                }
            }
        }
        foreach (string file in Directory.EnumerateFiles(_path))
        {
            FileNames.Kind kind = FileNames.Parse(System.IO.Path.GetFileName(file), out ulong number);
            bool delete = kind switch
            {
                FileNames.Kind.Table => !live.Contains(number),
                FileNames.Kind.Log => number < _walNumber,
                FileNames.Kind.Manifest => number != _versions.ManifestFileNumber,
                FileNames.Kind.Temp => true,
                _ => false,
            };
            if (delete)
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>Inserts a WAL record's updates into the memtables of the CFs that have not flushed them yet.</summary>
    private readonly struct RecoveryReplayer : IWriteBatchHandler
    {
        private readonly LsmDb _db;
        private readonly ulong _logNumber;

        public RecoveryReplayer(LsmDb db, ulong logNumber)
        {
            _db = db;
            _logNumber = logNumber;
        }

        public void Put(uint cfId, ulong sequence, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            if (Target(cfId) is { } cf)
            {
                cf.Mem.Add(sequence, ValueType.Value, key, value);
            }
        }

        public void Delete(uint cfId, ulong sequence, ReadOnlySpan<byte> key)
        {
            if (Target(cfId) is { } cf)
            {
                cf.Mem.Add(sequence, ValueType.Deletion, key, default);
            }
        }

        public void DeleteRange(uint cfId, ulong sequence, ReadOnlySpan<byte> begin, ReadOnlySpan<byte> end)
        {
            if (Target(cfId) is { } cf)
            {
                cf.Mem.Add(sequence, ValueType.RangeDeletion, begin, end);
            }
        }

        // Updates of dropped CFs, and of CFs that flushed this WAL's data already, are skipped.
        private ColumnFamily? Target(uint cfId)
        {
            ColumnFamily?[] byId = _db._cfById;
            ColumnFamily? cf = cfId < byId.Length ? byId[cfId] : null;
            return cf is not null && _logNumber >= cf.LogNumber ? cf : null;
        }
    }
}
