namespace ManagedKv.Raft;

/// <summary>A point-in-time view of a node for diagnostics and scheduling (etcd's Status).</summary>
public sealed class Status
{
    internal Status(ulong id, HardState hardState, SoftState softState, ulong applied, ulong leadTransferee,
        IReadOnlyDictionary<ulong, Progress> progress, ConfState confState)
    {
        Id = id;
        HardState = hardState;
        SoftState = softState;
        Applied = applied;
        LeadTransferee = leadTransferee;
        Progress = progress;
        ConfState = confState;
    }

    /// <summary>The node id.</summary>
    public ulong Id { get; }

    /// <summary>Term, vote and commit index.</summary>
    public HardState HardState { get; }

    /// <summary>Leader and role.</summary>
    public SoftState SoftState { get; }

    /// <summary>The applied index.</summary>
    public ulong Applied { get; }

    /// <summary>The leader-transfer target, or 0.</summary>
    public ulong LeadTransferee { get; }

    /// <summary>On the leader: a copy of each member's progress; otherwise empty.</summary>
    public IReadOnlyDictionary<ulong, Progress> Progress { get; }

    /// <summary>The current configuration.</summary>
    public ConfState ConfState { get; }
}
