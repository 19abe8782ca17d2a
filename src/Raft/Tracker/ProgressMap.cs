namespace ManagedKv.Raft;

/// <summary>
/// The progress of every voter and learner, keyed by node id, with the ids kept sorted so that the leader
/// visits followers in a deterministic order.
/// </summary>
internal sealed class ProgressMap : IAckedIndexer
{
    private readonly Dictionary<ulong, Progress> _map = new();
    private ulong[] _sortedIds = [];

    public int Count => _map.Count;

    /// <summary>All ids, ascending. The array is replaced, never mutated, so callers may iterate it while the
    /// map changes.</summary>
    public ulong[] Ids => _sortedIds;

    public Progress? Get(ulong id) => _map.TryGetValue(id, out Progress? pr) ? pr : null;

    public bool Contains(ulong id) => _map.ContainsKey(id);

    public void Set(ulong id, Progress progress)
    {
        bool added = !_map.ContainsKey(id);
        _map[id] = progress;
        if (added)
        {
            var ids = new ulong[_sortedIds.Length + 1];
            _sortedIds.CopyTo(ids, 0);
            ids[^1] = id;
            Array.Sort(ids);
            _sortedIds = ids;
        }
    }

    public void Remove(ulong id)
    {
        if (_map.Remove(id))
        {
            var ids = new ulong[_sortedIds.Length - 1];
            int j = 0;
            foreach (ulong x in _sortedIds)
            {
                if (x != id)
                {
                    ids[j++] = x;
                }
            }

            _sortedIds = ids;
        }
    }

    /// <summary>A deep copy whose <see cref="Progress"/> objects may be changed without affecting this map.</summary>
    public ProgressMap Clone()
    {
        var copy = new ProgressMap();
        foreach (ulong id in _sortedIds)
        {
            copy._map[id] = _map[id].Clone();
        }

        copy._sortedIds = _sortedIds;
        return copy;
    }

    public bool TryAckedIndex(ulong id, out ulong index)
    {
        if (_map.TryGetValue(id, out Progress? pr))
        {
            index = pr.Match;
            return true;
        }

        index = 0;
        return false;
    }
}
