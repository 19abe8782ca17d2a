// PD's region routing table (PD pkg/core/region_tree.go, a B-tree there): regions sorted by start key, never
// overlapping, plus an index by id. Put removes every region the new one overlaps and any older copy of the same
// id, so the invariant holds whatever order reports arrive in.
//
// Implementation: a sorted List<RegionInfo> with binary search (O(log n) lookups, O(n) memmove on insert and
// delete — about a millisecond at a million regions) and a Dictionary by id.
// Threads: all methods are thread-safe; one Lock guards both structures. Callers that must check-then-put
// atomically (the heartbeat path) serialize among themselves outside the tree.
namespace ManagedKv.Pd.Routing;

/// <summary>Regions by key range and by id.</summary>
public sealed class RegionTree
{
    private readonly Lock _lock = new(); // guards _sorted and _byId

    // Invariant: _sorted is ordered by StartKey, ranges do not overlap; _byId holds exactly the same regions.
    private readonly List<RegionInfo> _sorted = new();
    private readonly Dictionary<ulong, RegionInfo> _byId = new();

    /// <summary>Number of regions.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _sorted.Count;
            }
        }
    }

    /// <summary>The region whose [start, end) contains <paramref name="key"/>, or null.</summary>
    public RegionInfo? GetByKey(ReadOnlySpan<byte> key)
    {
        lock (_lock)
        {
            int i = ContainingIndexLocked(key);
            return i < 0 ? null : _sorted[i];
        }
    }

    /// <summary>The region ordered just before the one containing <paramref name="key"/> (PD's GetPrevRegion), or null.</summary>
    public RegionInfo? GetPrev(ReadOnlySpan<byte> key)
    {
        lock (_lock)
        {
            int i = ContainingIndexLocked(key);
            return i <= 0 ? null : _sorted[i - 1];
        }
    }

    /// <summary>The region with <paramref name="id"/>, or null.</summary>
    public RegionInfo? GetById(ulong id)
    {
        lock (_lock)
        {
            return _byId.GetValueOrDefault(id);
        }
    }

    /// <summary>
    /// Regions from the one containing <paramref name="start"/> (or the first after it) while their start is below
    /// <paramref name="end"/> (empty = +∞), at most <paramref name="limit"/> of them (≤ 0 = no limit).
    /// </summary>
    public List<RegionInfo> Scan(ReadOnlySpan<byte> start, ReadOnlySpan<byte> end, int limit)
    {
        var result = new List<RegionInfo>();
        lock (_lock)
        {
            for (int i = FirstIntersectingIndexLocked(start); i < _sorted.Count; i++)
            {
                RegionInfo r = _sorted[i];
                if (!end.IsEmpty && r.StartKey.Span.SequenceCompareTo(end) >= 0)
                {
                    break;
                }
                if (limit > 0 && result.Count >= limit)
                {
                    break;
                }
                result.Add(r);
            }
        }
        return result;
    }

    /// <summary>Regions intersecting [<paramref name="start"/>, <paramref name="end"/>) (empty end = +∞), in key order.</summary>
    public List<RegionInfo> GetOverlaps(ReadOnlySpan<byte> start, ReadOnlySpan<byte> end) => Scan(start, end, 0);

    /// <summary>All regions in key order.</summary>
    public List<RegionInfo> GetAll()
    {
        lock (_lock)
        {
            return new List<RegionInfo>(_sorted);
        }
    }

    /// <summary>
    /// Inserts or replaces <paramref name="region"/>, removing the regions it overlaps and the previous copy of
    /// its id. Returns the removed regions other than the previous copy of the same id.
    /// </summary>
    public List<RegionInfo> Put(RegionInfo region)
    {
        ArgumentNullException.ThrowIfNull(region);
        var removed = new List<RegionInfo>();
        lock (_lock)
        {
            if (_byId.TryGetValue(region.Id, out RegionInfo? old))
            {
                RemoveLocked(old);
            }
            ReadOnlySpan<byte> start = region.StartKey.Span;
            ReadOnlySpan<byte> end = region.EndKey.Span;
            int i = FirstIntersectingIndexLocked(start);
            int first = i;
            while (i < _sorted.Count && (end.IsEmpty || _sorted[i].StartKey.Span.SequenceCompareTo(end) < 0))
            {
                removed.Add(_sorted[i]);
                _byId.Remove(_sorted[i].Id);
                i++;
            }
            _sorted.RemoveRange(first, i - first);
            _sorted.Insert(first, region);
            _byId[region.Id] = region;
        }
        return removed;
    }

    /// <summary>Removes the region with <paramref name="id"/>; false if absent.</summary>
    public bool Remove(ulong id)
    {
        lock (_lock)
        {
            if (!_byId.TryGetValue(id, out RegionInfo? old))
            {
                return false;
            }
            RemoveLocked(old);
            return true;
        }
    }

    // REQUIRES: _lock held; region is in the tree.
    private void RemoveLocked(RegionInfo region)
    {
        int i = FloorIndexLocked(region.StartKey.Span);
        if (i < 0 || !ReferenceEquals(_sorted[i], region))
        {
            throw new InvalidOperationException($"region tree index out of sync: {region} not found at its start key");
        }
        _sorted.RemoveAt(i);
        _byId.Remove(region.Id);
    }

    // REQUIRES: _lock held. Index of the region containing key, or -1.
    private int ContainingIndexLocked(ReadOnlySpan<byte> key)
    {
        int i = FloorIndexLocked(key);
        return i >= 0 && _sorted[i].Contains(key) ? i : -1;
    }

    // REQUIRES: _lock held. Index of the first region whose range ends after key (the one containing key or the
    // first starting after it); _sorted.Count if none.
    private int FirstIntersectingIndexLocked(ReadOnlySpan<byte> key)
    {
        int i = FloorIndexLocked(key);
        if (i < 0)
        {
            return 0;
        }
        return _sorted[i].Contains(key) ? i : i + 1;
    }

    // REQUIRES: _lock held. Index of the last region with StartKey ≤ key, or -1.
    private int FloorIndexLocked(ReadOnlySpan<byte> key)
    {
        int lo = 0;
        int hi = _sorted.Count - 1;
        int found = -1;
        while (lo <= hi)
        {
            int mid = lo + ((hi - lo) >> 1);
            if (_sorted[mid].StartKey.Span.SequenceCompareTo(key) <= 0)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found;
    }
}
