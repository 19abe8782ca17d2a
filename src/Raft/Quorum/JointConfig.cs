namespace ManagedKv.Raft;

/// <summary>
/// Two majority configurations decided jointly (Raft thesis §4.3): a decision needs a majority of the
/// incoming and of the outgoing configuration. Outside a joint configuration the outgoing half is empty and
/// always agrees. Immutable.
/// </summary>
internal sealed class JointConfig
{
    public JointConfig(MajorityConfig incoming, MajorityConfig outgoing)
    {
        Incoming = incoming;
        Outgoing = outgoing;
    }

    public MajorityConfig Incoming { get; }

    public MajorityConfig Outgoing { get; }

    public bool IsJoint => Outgoing.Count > 0;

    public bool Contains(ulong id) => Incoming.Contains(id) || Outgoing.Contains(id);

    /// <summary>All voters of both halves, sorted and duplicate-free.</summary>
    public ulong[] Ids()
    {
        var set = new SortedSet<ulong>();
        foreach (ulong id in Incoming.Ids)
        {
            set.Add(id);
        }

        foreach (ulong id in Outgoing.Ids)
        {
            set.Add(id);
        }

        var ids = new ulong[set.Count];
        set.CopyTo(ids);
        return ids;
    }

    public ulong CommittedIndex<T>(T indexer)
        where T : IAckedIndexer =>
        Math.Min(Incoming.CommittedIndex(indexer), Outgoing.CommittedIndex(indexer));

    public VoteResult VoteResult(Dictionary<ulong, bool> votes)
    {
        VoteResult r1 = Incoming.VoteResult(votes);
        VoteResult r2 = Outgoing.VoteResult(votes);
        if (r1 == r2)
        {
            return r1;
        }

        if (r1 == Raft.VoteResult.Lost || r2 == Raft.VoteResult.Lost)
        {
            return Raft.VoteResult.Lost;
        }

        return Raft.VoteResult.Pending;
    }

    public override string ToString() => IsJoint ? $"{Incoming}&&{Outgoing}" : Incoming.ToString();
}
