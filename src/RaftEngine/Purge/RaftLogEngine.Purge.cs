namespace ManagedKv.RaftEngine;

// Purge: move the live data of old files into the active file, then delete every file no region references.
//
// Rewrite of a region R is a batch "Clean(R), PutState(R, k, v) for every state, AddEntries(R, first, all live
// entries)" built and written by the write leader while it holds leadership, so it captures R's exact state at its
// position in the log. Replay of the surviving files is then exactly the live history: every record older than the
// rewrite is superseded by the Clean, and deleted files only ever form a prefix of the file sequence that holds no
// live data (FORMAT.md, "Purge").
public sealed partial class RaftLogEngine
{
    // One purge at a time.
    private readonly Lock _purgeLock = new();

    // Rewrites are pre-read in chunks of about this many bytes, and written in batches of about this size.
    private const long RewriteChunkBytes = 64L << 20;
    private const long RewriteBatchBytes = 4L << 20;

    private sealed class PreRead
    {
        public required RegionIndex Region;
        public ulong First;
        public EntryLocation[] Locations = [];
        public byte[][] Entries = [];
    }

    /// <summary>
    /// Deletes log files that hold no live data. When the files other than the active one exceed
    /// <see cref="RaftEngineOptions.PurgeThreshold"/>, first rewrites into the active file the live entries and
    /// states of regions that still reference the oldest files (at most all but the newest PurgeThreshold / 2
    /// bytes), as far as that pays: a rewrite is done only while it costs at most half the bytes it frees, so purge
    /// adds at most 0.5 to write amplification and never churns live data. Returns the regions that keep old files
    /// pinned instead (too large to rewrite, or lagging where rewriting would not pay), oldest first, so the caller
    /// compacts their logs.
    /// </summary>
    public IReadOnlyList<ulong> PurgeExpiredFiles()
    {
        ThrowIfDisposed();
        lock (_purgeLock)
        {
            var files = new List<(ulong Seq, long Size)>();
            _pipe.SnapshotFiles(files);
            ulong limit = RewriteWatermark(files);
            var pinned = new List<ulong>();
            var regions = new List<RegionIndex>();
            _index.CollectRegions(regions);
            // One pass over the regions (purge runs often, and there may be many): the oldest file still referenced,
            // and, past the threshold, the regions that would need a rewrite.
            ulong oldestLive = files[^1].Seq;
            List<(uint MinFile, long Bytes, RegionIndex Region)>? lagging = limit > 0 ? [] : null;
            foreach (RegionIndex region in regions)
            {
                lock (region.Sync)
                {
                    uint minFile = region.MinFileSeq();
                    oldestLive = Math.Min(oldestLive, minFile);
                    if (lagging != null && minFile <= limit)
                    {
                        lagging.Add((minFile, region.LiveEntryBytes() + (region.StateCount * 64L), region));
                    }
                }
            }
            if (lagging != null)
            {
                lagging.Sort(static (a, b) => a.MinFile.CompareTo(b.MinFile));
                ulong watermark = ChooseWatermark(files, lagging, limit);
                var candidates = new List<RegionIndex>();
                foreach ((uint minFile, long _, RegionIndex region) in lagging)
                {
                    if (minFile <= watermark)
                    {
                        candidates.Add(region);
                    }
                    else
                    {
                        pinned.Add(region.Region);
                    }
                }
                if (candidates.Count > 0)
                {
                    Rewrite(candidates, watermark);
                    regions.Clear();
                    _index.CollectRegions(regions);
                    oldestLive = files[^1].Seq;
                    foreach (RegionIndex region in regions)
                    {
                        lock (region.Sync)
                        {
                            oldestLive = Math.Min(oldestLive, region.MinFileSeq());
                        }
                    }
                }
            }
            _pipe.DeleteFilesBefore(oldestLive);
            if (limit > 0 && _options.DropPinnedFileCache)
            {
                // Past the threshold, files up to `limit` that are still here hold live data that did not pay to
                // rewrite: they stay, so their cache goes (the pages serve the new files appended meanwhile).
                _pipe.DropCachesUpTo(limit);
            }
            return pinned;
        }
    }

    // The newest file sequence purge may rewrite, or 0 when the old files are within the threshold.
    private ulong RewriteWatermark(List<(ulong Seq, long Size)> files)
    {
        long total = 0;
        for (int i = 0; i < files.Count - 1; i++)
        {
            total += files[i].Size;
        }
        if (total <= _options.PurgeThreshold)
        {
            return 0;
        }
        long keep = _options.PurgeThreshold / 2;
        long newest = 0;
        for (int i = files.Count - 2; i >= 0; i--)
        {
            newest += files[i].Size;
            if (newest > keep)
            {
                return files[i].Seq;
            }
        }
        return 0;
    }

    // The largest watermark W <= limit such that rewriting every region whose oldest file is <= W costs at most
    // half the bytes of the files <= W it frees, and no region too large to rewrite references a file <= W.
    // `lagging` is sorted by oldest file. 0 if none pays.
    private ulong ChooseWatermark(List<(ulong Seq, long Size)> files, List<(uint MinFile, long Bytes, RegionIndex Region)> lagging, ulong limit)
    {
        ulong best = 0;
        long freed = 0;
        long cost = 0;
        int next = 0;
        for (int i = 0; i < files.Count - 1 && files[i].Seq <= limit; i++)
        {
            ulong seq = files[i].Seq;
            freed += files[i].Size;
            bool blocked = false;
            while (next < lagging.Count && lagging[next].MinFile <= seq)
            {
                cost += lagging[next].Bytes;
                blocked |= lagging[next].Bytes > _options.PurgeRewriteMaxRegionBytes;
                next++;
            }
            if (blocked)
            {
                break;
            }
            if (cost <= freed / 2)
            {
                best = seq;
            }
        }
        return best;
    }

    private void Rewrite(List<RegionIndex> candidates, ulong watermark)
    {
        int next = 0;
        while (next < candidates.Count)
        {
            // Phase 1, without leadership: read the candidates' live entries (old files never change).
            var chunk = new List<PreRead>();
            long bytes = 0;
            while (next < candidates.Count && bytes < RewriteChunkBytes)
            {
                PreRead pre = ReadLive(candidates[next++]);
                chunk.Add(pre);
                foreach (byte[] entry in pre.Entries)
                {
                    bytes += entry.Length;
                }
            }
            // Phase 2, as exclusive leader: rebuild each region's batch from its current state and write it.
            var exclusive = new Writer { Exclusive = true };
            _queue.Join(exclusive);
            try
            {
                ThrowIfUnwritable();
                var batch = new LogBatch();
                foreach (PreRead pre in chunk)
                {
                    AddRewrite(pre, watermark, batch);
                    if (batch.ApproximateSize >= RewriteBatchBytes)
                    {
                        AppendAsLeader(batch);
                        batch.Clear();
                    }
                }
                if (!batch.IsEmpty)
                {
                    AppendAsLeader(batch);
                }
                try
                {
                    // The old copies are deleted next: the new ones must be durable first.
                    _pipe.Sync();
                }
                catch (Exception e)
                {
                    _stickyError = e;
                    throw;
                }
            }
            finally
            {
                _queue.Complete(exclusive, exclusive);
            }
        }
    }

    private PreRead ReadLive(RegionIndex region)
    {
        var pre = new PreRead { Region = region };
        for (int attempt = 0; attempt < MaxReadAttempts; attempt++)
        {
            lock (region.Sync)
            {
                if (region.Count == 0)
                {
                    return pre;
                }
                pre.First = region.First;
                pre.Locations = new EntryLocation[region.Count];
                region.Collect(pre.First, pre.Locations);
            }
            pre.Entries = new byte[pre.Locations.Length][];
            bool complete = true;
            for (int i = 0; i < pre.Locations.Length && complete; i++)
            {
                byte[]? entry = TryReadEntry(pre.Locations[i]);
                complete = entry != null;
                pre.Entries[i] = entry!;
            }
            if (complete)
            {
                return pre;
            }
        }
        ThrowHelper.ThrowInvalidOperation($"Region {region.Region} keeps pointing at purged files.");
        return pre;
    }

    // Leader only. Adds region `pre.Region`'s full current state to `batch` if it still references old files.
    private void AddRewrite(PreRead pre, ulong watermark, LogBatch batch)
    {
        RegionIndex region = pre.Region;
        if (!_index.TryGet(region.Region, out RegionIndex? current) || current != region)
        {
            return; // cleaned (or already rewritten) since phase 1
        }
        // The leader is the only mutator, so the region cannot change while we read it.
        if (region.MinFileSeq() > watermark)
        {
            return;
        }
        var states = new List<KeyValuePair<byte[], byte[]>>();
        region.CopyStates(states);
        batch.Clean(region.Region);
        foreach (KeyValuePair<byte[], byte[]> state in states)
        {
            batch.PutState(region.Region, state.Key, state.Value);
        }
        if (region.Count == 0)
        {
            return;
        }
        ulong first = region.First;
        var locations = new EntryLocation[region.Count];
        region.Collect(first, locations);
        var entries = new ReadOnlyMemory<byte>[locations.Length];
        for (int i = 0; i < locations.Length; i++)
        {
            ulong index = first + (ulong)i;
            ulong k = index - pre.First;
            if (index >= pre.First && k < (ulong)pre.Locations.Length && SameLocation(pre.Locations[k], locations[i]))
            {
                entries[i] = pre.Entries[k];
            }
            else
            {
                // Written after phase 1 (into a file purge does not delete); it cannot vanish while we lead.
                entries[i] = TryReadEntry(locations[i])
                    ?? throw new InvalidOperationException($"Entry {index} of region {region.Region} points at a purged file.");
            }
        }
        batch.AddEntries(region.Region, first, entries);
    }

    private static bool SameLocation(in EntryLocation a, in EntryLocation b) =>
        a.Block == b.Block && a.Start == b.Start && a.End == b.End;

    private byte[]? TryReadEntry(in EntryLocation location)
    {
        byte[]? block = TryReadBlock(location);
        return block?.AsSpan((int)location.Start, location.Length).ToArray();
    }
}
