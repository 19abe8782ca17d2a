using System.Buffers;
using System.Collections.Concurrent;

namespace ManagedKv.RaftEngine;

/// <summary>
/// All regions' indexes, and the one place where a batch's items change them (the write path and recovery share
/// <see cref="ApplyBatch"/>, so replay is exactly what the live engine did). Knows regions and block handles,
/// never files.
/// </summary>
/// <remarks>
/// Threads: lookups from any thread; <see cref="ApplyBatch"/> only from the write-group leader or single-threaded
/// recovery. Memory counters are written by that one mutator and read by anyone.
/// </remarks>
internal sealed class IndexMap
{
    private readonly ConcurrentDictionary<ulong, RegionIndex> _regions = new();
    private long _memoryBytes;
    private long _entryCount;

    public int RegionCount => _regions.Count;

    /// <summary>Bytes held by all region indexes (runs, entry offsets, states).</summary>
    public long MemoryBytes => Volatile.Read(ref _memoryBytes);

    /// <summary>Live entries over all regions.</summary>
    public long EntryCount => Volatile.Read(ref _entryCount);

    public bool TryGet(ulong region, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RegionIndex? index) =>
        _regions.TryGetValue(region, out index);

    /// <summary>Appends every region index to <paramref name="into"/>.</summary>
    public void CollectRegions(List<RegionIndex> into)
    {
        foreach (KeyValuePair<ulong, RegionIndex> kv in _regions)
        {
            into.Add(kv.Value);
        }
    }

    /// <summary>
    /// Applies a batch's items (in the grammar of format <paramref name="formatVersion"/>) in order. The batch's data
    /// section starts at <paramref name="dataOffset"/> of file <paramref name="fileSeq"/>. Returns null, or the reason
    /// the items are malformed (nothing is applied past that item).
    /// </summary>
    public string? ApplyBatch(uint fileSeq, uint formatVersion, long dataOffset, ReadOnlySpan<byte> items)
    {
        var reader = new BatchItemReader(items, formatVersion);
        BatchItem item = default;
        long blockOffset = dataOffset;
        while (!reader.AtEnd)
        {
            if (!reader.TryRead(ref item, out string? error))
            {
                return error;
            }
            switch (item.Tag)
            {
                case BatchFormat.TagEntries:
                    ApplyEntries(fileSeq, blockOffset, ref item);
                    blockOffset += item.BlockLength;
                    break;
                case BatchFormat.TagPutState:
                {
                    RegionIndex index = GetOrCreate(item.Region);
                    lock (index.Sync)
                    {
                        long before = index.MemoryBytes;
                        index.PutState(item.Key, item.Value, fileSeq);
                        Interlocked.Add(ref _memoryBytes, index.MemoryBytes - before);
                    }
                    break;
                }
                case BatchFormat.TagDeleteState:
                    if (_regions.TryGetValue(item.Region, out RegionIndex? stateIndex))
                    {
                        lock (stateIndex.Sync)
                        {
                            long before = stateIndex.MemoryBytes;
                            stateIndex.DeleteState(item.Key);
                            Interlocked.Add(ref _memoryBytes, stateIndex.MemoryBytes - before);
                        }
                    }
                    break;
                case BatchFormat.TagCompact:
                    if (_regions.TryGetValue(item.Region, out RegionIndex? compactIndex))
                    {
                        lock (compactIndex.Sync)
                        {
                            long before = compactIndex.MemoryBytes;
                            int count = compactIndex.Count;
                            compactIndex.CompactTo(item.Index);
                            Interlocked.Add(ref _memoryBytes, compactIndex.MemoryBytes - before);
                            Interlocked.Add(ref _entryCount, compactIndex.Count - count);
                        }
                    }
                    break;
                default:
                    if (_regions.TryRemove(item.Region, out RegionIndex? removed))
                    {
                        lock (removed.Sync)
                        {
                            Interlocked.Add(ref _memoryBytes, -removed.MemoryBytes);
                            Interlocked.Add(ref _entryCount, -removed.Count);
                        }
                    }
                    break;
            }
        }
        return null;
    }

    private void ApplyEntries(uint fileSeq, long blockOffset, ref BatchItem item)
    {
        uint[]? rented = null;
        Span<uint> ends = item.Count <= 256 ? stackalloc uint[item.Count] : (rented = ArrayPool<uint>.Shared.Rent(item.Count)).AsSpan(0, item.Count);
        try
        {
            BatchItemReader.DecodeEnds(item.EntryLengths, ends, item.RawLength);
            var run = new EntryRun
            {
                FileSeq = fileSeq,
                BlockOffset = (uint)blockOffset,
                BlockLength = item.BlockLength,
                RawLength = item.RawLength,
                Compression = item.Compression,
            };
            RegionIndex index = GetOrCreate(item.Region);
            lock (index.Sync)
            {
                long before = index.MemoryBytes;
                int count = index.Count;
                index.Append(item.Index, run, ends);
                Interlocked.Add(ref _memoryBytes, index.MemoryBytes - before);
                Interlocked.Add(ref _entryCount, index.Count - count);
            }
        }
        finally
        {
            if (rented != null)
            {
                ArrayPool<uint>.Shared.Return(rented);
            }
        }
    }

    // Only the single mutator adds regions, so lookup-then-add cannot race with another add.
    private RegionIndex GetOrCreate(ulong region)
    {
        if (!_regions.TryGetValue(region, out RegionIndex? index))
        {
            index = new RegionIndex(region);
            _regions[region] = index;
            Interlocked.Add(ref _memoryBytes, RegionIndex.OverheadBytes);
        }
        return index;
    }
}
