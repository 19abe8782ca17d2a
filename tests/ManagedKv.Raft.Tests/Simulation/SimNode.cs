namespace ManagedKv.Raft.Tests;

/// <summary>
/// One simulated server: a <see cref="RawNode"/> over a <see cref="MemoryRaftStorage"/> that plays the disk
/// (survives crashes), Readies waiting to be persisted (lost on crash), and the applied state machine (rebuilt
/// from the log and snapshot on restart).
/// </summary>
internal sealed class SimNode
{
    public SimNode(ulong id, MemoryRaftStorage disk)
    {
        Id = id;
        Disk = disk;
    }

    public ulong Id { get; }

    public MemoryRaftStorage Disk { get; }

    public RawNode? Node { get; set; }

    public bool Alive => Node is not null;

    /// <summary>Removed from the group by an applied change: never added again.</summary>
    public bool Leaving { get; set; }

    /// <summary>Destroyed once every remaining member durably knew of its removal; never restarted.</summary>
    public bool Removed { get; set; }

    public Queue<Ready> Unpersisted { get; } = new();

    /// <summary>The applied log: index → (term, data). Volatile.</summary>
    public List<(ulong Index, ulong Term, byte[] Data)> Applied { get; } = [];

    /// <summary>The index of the snapshot the state machine was restored from (0 if none).</summary>
    public ulong SnapshotBase { get; set; }

    /// <summary>Committed indices of the current incarnation already checked against the cluster history.</summary>
    public ulong CheckedCommit { get; set; }

    public int Incarnation { get; set; }

    public ConfState ConfState { get; set; } = ConfState.Empty;

    public RaftCore Raft => Node!.Raft;
}
