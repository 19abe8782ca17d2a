using System.Diagnostics;
using ManagedKv.Lsm.Db;
using ManagedKv.Lsm.Ingest;
using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Memtable;
using ManagedKv.Lsm.Table;
using ManagedKv.Lsm.Util;
using ManagedKv.Lsm.Version;
using ValueType = ManagedKv.Lsm.Keys.ValueType;

namespace ManagedKv.Lsm;

// SST ingestion (RocksDB's ExternalSstFileIngestionJob) and DeleteFilesInRange: whole files enter or leave a column
// family through one MANIFEST edit, without passing through the memtable or the WAL.
public sealed partial class LsmDb
{
    /// <summary>Ingests external SST files into the default column family; see the other overload.</summary>
    public void IngestExternalFiles(IReadOnlyList<string> paths, IngestOptions? options = null) => IngestExternalFiles(_defaultCf, paths, options);

    /// <summary>
    /// Adds SST files written by <see cref="SstFileWriter"/> to <paramref name="cf"/> atomically (RocksDB's
    /// IngestExternalFile):
    /// <list type="number">
    /// <item>Each file is checked: an external SST, readable, and (with
    /// <see cref="IngestOptions.VerifyChecksumsBeforeIngest"/>) every block's checksum, the key order and the entry
    /// types verified. The files must not overlap one another.</item>
    /// <item>They are hard-linked (<see cref="IngestOptions.MoveFiles"/>) or copied into the DB folder under new file
    /// numbers and fsynced.</item>
    /// <item>Holding the write queue (no write interleaves): memtables holding keys in the files' ranges are flushed
    /// first (<see cref="IngestOptions.AllowBlockingFlush"/>); a file overlapping data in the DB, or any file while
    /// snapshots exist (<see cref="IngestOptions.SnapshotConsistency"/>), is given a global sequence number — the next
    /// sequence, so its entries are newer than everything before and invisible to older snapshots; each file goes to
    /// the deepest level above every level holding overlapping data where it overlaps no file nor running compaction
    /// (with dynamic level bytes, levels above the base level are skipped); then one MANIFEST edit adds every file.</item>
    /// </list>
    /// On any failure nothing changes (files copied in are removed). With <see cref="IngestOptions.MoveFiles"/>, the
    /// original names are deleted after the ingest succeeded.
    /// </summary>
    /// <exception cref="ArgumentException">A file is not an external SST, is empty, or the files overlap one another.</exception>
    /// <exception cref="CorruptionException">A file failed a checksum or structure check.</exception>
    /// <exception cref="InvalidOperationException">A global sequence number or a flush was needed but not allowed.</exception>
    public void IngestExternalFiles(ColumnFamily cf, IReadOnlyList<string> paths, IngestOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cf);
        ArgumentNullException.ThrowIfNull(paths);
        CheckColumnFamily(cf);
        options ??= IngestOptions.Default;
        if (paths.Count == 0)
        {
            return;
        }

        var files = new List<IngestedFile>(paths.Count);
        foreach (string path in paths)
        {
            files.Add(InspectExternalFile(path, options.VerifyChecksumsBeforeIngest));
        }
        files.Sort(static (a, b) => a.SmallestUserKey.AsSpan().SequenceCompareTo(b.SmallestUserKey));
        for (int i = 1; i < files.Count; i++)
        {
            if (files[i - 1].LargestUserKey.AsSpan().SequenceCompareTo(files[i].SmallestUserKey) >= 0)
            {
                throw new ArgumentException($"External files '{files[i - 1].SourcePath}' and '{files[i].SourcePath}' overlap.", nameof(paths));
            }
        }

        bool committed = false;
        try
        {
            foreach (IngestedFile f in files)
            {
                f.Number = NewFileNumber();
                string destination = TableFilePath(f.Number);
                f.Linked = options.MoveFiles && HardLink.TryCreate(f.SourcePath, destination);
                if (!f.Linked)
                {
                    File.Copy(f.SourcePath, destination, overwrite: false);
                }
                using (var handle = File.OpenHandle(destination, FileMode.Open, FileAccess.ReadWrite))
                {
                    RandomAccess.FlushToDisk(handle);
                }
            }
            DirectorySync.Sync(_path);
            CommitIngest(cf, files, options);
            committed = true;
        }
        finally
        {
            if (!committed)
            {
                foreach (IngestedFile f in files)
                {
                    if (f.Number != 0)
                    {
                        TryDelete(TableFilePath(f.Number)); // never listed by a version; a crash leaves it to the next open's cleanup
                    }
                }
            }
        }
        if (options.MoveFiles)
        {
            foreach (IngestedFile f in files)
            {
                TryDelete(f.SourcePath);
            }
        }
    }

    /// <summary>Opens and checks one external file without any DB lock.</summary>
    private static IngestedFile InspectExternalFile(string path, bool verify)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        RandomAccessFile file = RandomAccessFile.Open(path);
        long size = file.Length;
        TableReader reader = TableReader.Open(file, path, 0, size, new TableReaderOptions { VerifyChecksums = true });
        try
        {
            TableProperties p = reader.Properties;
            if (!p.IsExternalFile || p.LargestSequence != 0)
            {
                throw new ArgumentException($"'{path}' is not an external SST (write it with SstFileWriter).", nameof(path));
            }
            if (p.NumEntries == 0)
            {
                throw new ArgumentException($"'{path}' holds no entries.", nameof(path));
            }
            if (p.SmallestKey.Length < InternalKey.TrailerSize || p.LargestKey.Length < InternalKey.TrailerSize)
            {
                ThrowHelper.ThrowCorruption(path, 0, "external SST lacks its smallest or largest key property");
            }
            if (verify)
            {
                VerifyExternalEntries(reader, p, path);
            }
            return new IngestedFile
            {
                SourcePath = path,
                FileSize = size,
                Properties = p,
                SmallestUserKey = InternalKey.UserKey(p.SmallestKey).ToArray(),
                LargestUserKey = InternalKey.UserKey(p.LargestKey).ToArray(),
            };
        }
        finally
        {
            reader.Unref();
        }
    }

    /// <summary>Reads every entry: checksums, sequence 0, known types, user keys strictly ascending, counts and bounds as the properties say.</summary>
    private static void VerifyExternalEntries(TableReader reader, TableProperties p, string path)
    {
        using IInternalIterator it = reader.NewIterator(fillCache: false);
        byte[] previous = [];
        ulong count = 0;
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            ReadOnlySpan<byte> key = it.Key;
            ulong trailer = InternalKey.Trailer(key);
            var type = (ValueType)(byte)trailer;
            if (trailer >> 8 != 0 || type is not (ValueType.Value or ValueType.Deletion))
            {
                ThrowHelper.ThrowCorruption(path, 0, $"entry {count} has sequence {trailer >> 8} and type {type}; external SSTs hold puts and deletes at sequence 0");
            }
            ReadOnlySpan<byte> userKey = InternalKey.UserKey(key);
            if (count > 0 && userKey.SequenceCompareTo(previous) <= 0)
            {
                ThrowHelper.ThrowCorruption(path, 0, $"entry {count}: user keys are not strictly ascending");
            }
            if (count == 0 && !key.SequenceEqual(p.SmallestKey))
            {
                ThrowHelper.ThrowCorruption(path, 0, "first entry differs from the smallest-key property");
            }
            previous = userKey.ToArray();
            count++;
        }
        if (count != p.NumEntries || !InternalKey.UserKey(p.LargestKey).SequenceEqual(previous))
        {
            ThrowHelper.ThrowCorruption(path, 0, $"file holds {count} entries ending at another key than its properties say ({p.NumEntries})");
        }
    }

    /// <summary>
    /// Takes the head of the write queue (so no write interleaves and sequence numbers are ours), flushes overlapping
    /// memtables, chooses levels and sequence numbers, and commits every file through one MANIFEST edit.
    /// </summary>
    private void CommitIngest(ColumnFamily cf, List<IngestedFile> files, IngestOptions options)
    {
        var w = new Writer();
        lock (_mutex)
        {
            if (_writersTail is null)
            {
                _writersHead = w;
            }
            else
            {
                _writersTail.Next = w;
            }
            _writersTail = w;
            while (!ReferenceEquals(w, _writersHead))
            {
                Monitor.Wait(_mutex); // a leader never groups a writer without a batch, so we are never finished by one
            }
            bool marked = false;
            try
            {
                ThrowIfDisposed();
                ThrowIfBackgroundError();
                CheckColumnFamily(cf);
                FlushOverlappingMemTables(cf, files, options);

                cf.IngestInProgress = true;
                marked = true;
                Version.Version v = cf.Current;
                bool forceSequence = options.SnapshotConsistency && _snapshotCount > 0;
                ulong globalSequence = 0;
                foreach (IngestedFile f in files)
                {
                    f.Level = PickIngestLevel(cf, v, f, out bool overlapsData);
                    if (overlapsData || forceSequence)
                    {
                        if (!options.AllowGlobalSeqNo)
                        {
                            throw new InvalidOperationException(
                                $"Ingesting '{f.SourcePath}' needs a global sequence number (it overlaps data{(forceSequence ? " or snapshots exist" : "")}), but AllowGlobalSeqNo is false.");
                        }
                        // Every file given a sequence gets the same one: they do not overlap one another.
                        globalSequence = _lastAllocated + 1;
                        f.GlobalSequence = globalSequence;
                    }
                }
                if (globalSequence > SequenceNumber.Max)
                {
                    throw new InvalidOperationException("Sequence numbers are exhausted.");
                }

                var edit = new VersionEdit();
                foreach (IngestedFile f in files)
                {
                    var added = new FileMetaData(f.Number, f.FileSize,
                        WithSequence(f.Properties.SmallestKey, f.GlobalSequence), WithSequence(f.Properties.LargestKey, f.GlobalSequence),
                        f.GlobalSequence, f.GlobalSequence, f.GlobalSequence);
                    added.SetStats(f.Properties);
                    edit.AddFile(f.Level, added);
                }
                ulong lastSequence = Math.Max(globalSequence, Volatile.Read(ref _lastSequence));
                _lastAllocated = Math.Max(_lastAllocated, lastSequence);
                try
                {
                    _versions.LogAndApply(cf, edit, lastSequence);
                }
                catch (Exception e)
                {
                    // The MANIFEST may hold part of the record: refuse writes until reopened, as a failed flush does.
                    SetBackgroundError(e, "ingest");
                    throw;
                }
                cf.InstallSuperVersion();
                Volatile.Write(ref _lastSequence, lastSequence); // visible to new reads from here on
            }
            finally
            {
                if (marked)
                {
                    cf.IngestInProgress = false;
                }
                FinishGroupLocked(w, w, null);
                MaybeScheduleWork();
            }
        }
    }

    /// <summary>
    /// Waits until no memtable of <paramref name="cf"/> holds a key or range tombstone in a file's range, switching
    /// the active memtable when it does. REQUIRES: DB mutex held, head of the write queue.
    /// </summary>
    private void FlushOverlappingMemTables(ColumnFamily cf, List<IngestedFile> files, IngestOptions options)
    {
        Debug.Assert(Monitor.IsEntered(_mutex));
        while (true)
        {
            bool activeOverlaps = MemTableOverlaps(cf.Mem, files);
            bool immutableOverlaps = false;
            foreach (ImmutableMemTable imm in cf.Immutables)
            {
                immutableOverlaps |= MemTableOverlaps(imm.Mem, files);
            }
            if (!activeOverlaps && !immutableOverlaps)
            {
                return;
            }
            if (!options.AllowBlockingFlush)
            {
                throw new InvalidOperationException($"The files overlap unflushed data of column family '{cf.Name}', but AllowBlockingFlush is false.");
            }
            if (activeOverlaps && cf.Immutables.Count < cf.Options.MaxWriteBufferNumber - 1)
            {
                SwitchMemtable(cf);
            }
            MaybeScheduleWork();
            Monitor.Wait(_mutex, 100);
            ThrowIfBackgroundError();
            ThrowIfDisposed();
            CheckColumnFamily(cf);
        }
    }

    private static bool MemTableOverlaps(MemTable mem, List<IngestedFile> files)
    {
        if (mem.IsEmpty)
        {
            return false;
        }
        using (IInternalIterator it = mem.NewIterator())
        {
            foreach (IngestedFile f in files)
            {
                it.Seek(SeekKey(f.SmallestUserKey));
                if (it.Valid && InternalKey.UserKey(it.Key).SequenceCompareTo(f.LargestUserKey) <= 0)
                {
                    return true;
                }
            }
        }
        // Range tombstones [begin, end): few, so scan them all.
        using IInternalIterator? tombstones = mem.NewRangeTombstoneIterator();
        if (tombstones is not null)
        {
            for (tombstones.SeekToFirst(); tombstones.Valid; tombstones.Next())
            {
                ReadOnlySpan<byte> begin = InternalKey.UserKey(tombstones.Key);
                ReadOnlySpan<byte> end = tombstones.Value;
                foreach (IngestedFile f in files)
                {
                    if (begin.SequenceCompareTo(f.LargestUserKey) <= 0 && end.SequenceCompareTo(f.SmallestUserKey) > 0)
                    {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /// <summary>
    /// The level for <paramref name="f"/>: walking down from L0, stop at the first level with a file whose range
    /// overlaps (<paramref name="overlapsData"/>: the file then needs a sequence newer than that data); the answer is
    /// the deepest level passed where no running compaction writes into the range (L0 always qualifies).
    /// File ranges stand in for key overlap: conservative, and it covers range tombstones inside file bounds.
    /// REQUIRES: DB mutex held.
    /// </summary>
    private static int PickIngestLevel(ColumnFamily cf, Version.Version v, IngestedFile f, out bool overlapsData)
    {
        overlapsData = false;
        int target = 0;
        for (int level = 0; level < v.NumLevels; level++)
        {
            if (level > 0 && level < v.BaseLevel && cf.Options.LevelCompactionDynamicLevelBytes)
            {
                continue; // levels above the base level stay empty under dynamic level bytes
            }
            foreach (FileMetaData existing in v.Files(level))
            {
                if (Overlaps(f, existing.SmallestUserKey, existing.LargestUserKey))
                {
                    overlapsData = true;
                    return target;
                }
            }
            if (level == 0 || !CompactionWritesInto(cf, level, f))
            {
                target = level;
            }
        }
        return target;
    }

    private static bool CompactionWritesInto(ColumnFamily cf, int level, IngestedFile f)
    {
        foreach (Compaction.Compaction c in cf.RunningCompactions)
        {
            if (c.OutputLevel != level)
            {
                continue;
            }
            var inputs = new List<FileMetaData>(c.StartInputs);
            inputs.AddRange(c.OutputInputs);
            (byte[] lo, byte[] hi) = Compaction.CompactionPicker.UserKeyRange(inputs);
            if (Overlaps(f, lo, hi))
            {
                return true;
            }
        }
        return false;
    }

    private static bool Overlaps(IngestedFile f, ReadOnlySpan<byte> smallest, ReadOnlySpan<byte> largest) =>
        f.SmallestUserKey.AsSpan().SequenceCompareTo(largest) <= 0 && f.LargestUserKey.AsSpan().SequenceCompareTo(smallest) >= 0;

    /// <summary>The internal key with its sequence replaced by <paramref name="sequence"/> (its type kept).</summary>
    private static byte[] WithSequence(byte[] internalKey, ulong sequence) =>
        InternalKey.Create(InternalKey.UserKey(internalKey), sequence, InternalKey.Type(internalKey));

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Left behind: an unlisted SST is removed by the next open.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Deletes whole files of the default column family inside [begin, end]; see the other overload.</summary>
    public int DeleteFilesInRange(byte[]? begin, byte[]? end) => DeleteFilesInRange(_defaultCf, begin, end);

    /// <summary>
    /// Drops every SST of <paramref name="cf"/> in levels 1 and below whose user keys all lie in
    /// [<paramref name="begin"/>, <paramref name="end"/>] (null = unbounded), through one MANIFEST edit, writing no
    /// data (RocksDB's DeleteFilesInRange). Files being compacted and L0 files are kept (as RocksDB does: L0 files
    /// overlap each other and newer data), so keys of the range can remain in them, in memtables and in files the
    /// range cuts — follow with a range delete to clear it fully.
    /// <para><b>Snapshot consistency is broken for the range by design:</b> reads through snapshots taken before the
    /// call lose the data of the dropped files, and an older version of a key kept in another file may become
    /// visible again. TiKV uses it on ranges no reader will look at (a region's data after it moved away).</para>
    /// Returns the number of files dropped; their disk space returns once no iterator reads them.
    /// </summary>
    public int DeleteFilesInRange(ColumnFamily cf, byte[]? begin, byte[]? end)
    {
        ArgumentNullException.ThrowIfNull(cf);
        CheckColumnFamily(cf);
        if (begin is not null && end is not null && begin.AsSpan().SequenceCompareTo(end) > 0)
        {
            throw new ArgumentException("begin is after end.");
        }
        lock (_mutex)
        {
            ThrowIfBackgroundError();
            Version.Version v = cf.Current;
            var edit = new VersionEdit();
            var dropped = new List<FileMetaData>();
            for (int level = 1; level < v.NumLevels; level++)
            {
                foreach (FileMetaData f in v.Files(level))
                {
                    if (!f.BeingCompacted
                        && (begin is null || f.SmallestUserKey.SequenceCompareTo(begin) >= 0)
                        && (end is null || f.LargestUserKey.SequenceCompareTo(end) <= 0))
                    {
                        edit.DeleteFile(level, f.Number);
                        dropped.Add(f);
                    }
                }
            }
            if (dropped.Count == 0)
            {
                return 0;
            }
            // Marked so no compaction picks them while the MANIFEST is written (the mutex is released then).
            foreach (FileMetaData f in dropped)
            {
                f.BeingCompacted = true;
            }
            try
            {
                _versions.LogAndApply(cf, edit, Volatile.Read(ref _lastSequence));
            }
            catch (Exception e)
            {
                SetBackgroundError(e, "delete files in range");
                throw;
            }
            finally
            {
                foreach (FileMetaData f in dropped)
                {
                    f.BeingCompacted = false;
                }
            }
            cf.InstallSuperVersion();
            MaybeScheduleWork();
            return dropped.Count;
        }
    }
}
