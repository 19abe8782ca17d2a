namespace ManagedKv.Raft;

/// <summary>
/// A set of voters decided by simple majority (Raft §5.2, §5.3). Immutable; ids sorted ascending so every
/// iteration is deterministic.
/// </summary>
internal sealed class MajorityConfig
{
    public static readonly MajorityConfig Empty = new([]);

    private readonly ulong[] _ids;

    public MajorityConfig(ulong[] sortedIds)
    {
        _ids = sortedIds;
    }

    public ReadOnlySpan<ulong> Ids => _ids;

    public int Count => _ids.Length;

    public bool Contains(ulong id) => Array.BinarySearch(_ids, id) >= 0;

    public ulong[] ToArray() => (ulong[])_ids.Clone();

    public MajorityConfig With(ulong id)
    {
        if (Contains(id))
        {
            return this;
        }

        var ids = new ulong[_ids.Length + 1];
        _ids.CopyTo(ids, 0);
        ids[^1] = id;
        Array.Sort(ids);
        return new MajorityConfig(ids);
    }

    public MajorityConfig Without(ulong id)
    {
        int at = Array.BinarySearch(_ids, id);
        if (at < 0)
        {
            return this;
        }

        var ids = new ulong[_ids.Length - 1];
        Array.Copy(_ids, 0, ids, 0, at);
        Array.Copy(_ids, at + 1, ids, at, _ids.Length - at - 1);
        return new MajorityConfig(ids);
    }

    /// <summary>
    /// The largest index acknowledged by a majority. An empty configuration returns <see cref="ulong.MaxValue"/>
    /// so that it never holds back a joint configuration's other half.
    /// </summary>
    public ulong CommittedIndex<T>(T indexer)
        where T : IAckedIndexer
    {
        int n = _ids.Length;
        if (n == 0)
        {
            return ulong.MaxValue;
        }

        Span<ulong> acked = n <= 32 ? stackalloc ulong[n] : new ulong[n];
        for (int i = 0; i < n; i++)
        {
            acked[i] = indexer.TryAckedIndex(_ids[i], out ulong index) ? index : 0;
        }

        acked.Sort();

        // Ascending order: the element at n - (n/2 + 1) is acknowledged by at least n/2 + 1 voters.
        return acked[n - ((n / 2) + 1)];
    }

    /// <summary>Counts votes; voters absent from <paramref name="votes"/> are pending.</summary>
    public VoteResult VoteResult(Dictionary<ulong, bool> votes)
    {
        if (_ids.Length == 0)
        {
            // An empty configuration wins every vote, so a joint configuration is decided by its other half.
            return Raft.VoteResult.Won;
        }

        int yes = 0;
        int missing = 0;
        foreach (ulong id in _ids)
        {
            if (!votes.TryGetValue(id, out bool granted))
            {
                missing++;
            }
            else if (granted)
            {
                yes++;
            }
        }

        int quorum = (_ids.Length / 2) + 1;
        if (yes >= quorum)
        {
            return Raft.VoteResult.Won;
        }

        return yes + missing >= quorum ? Raft.VoteResult.Pending : Raft.VoteResult.Lost;
    }

    public override string ToString() => "(" + string.Join(" ", _ids) + ")";
}
