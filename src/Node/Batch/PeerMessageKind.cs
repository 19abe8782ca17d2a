namespace ManagedKv.Node.Batch;

/// <summary>What a <see cref="PeerMessage"/> carries (TiKV's PeerMsg / CasualMessage variants we need so far).</summary>
public enum PeerMessageKind
{
    /// <summary>A Raft message from another store.</summary>
    Raft = 0,

    /// <summary>A write command from <see cref="Router.ProposeAsync"/>.</summary>
    Propose = 1,

    /// <summary>The store timer's base tick.</summary>
    Tick = 2,

    /// <summary>The store timer's raft-log-gc tick.</summary>
    RaftLogGcTick = 3,

    /// <summary>The store writer finished a task of this peer (a wake-up: the tasks wait in the peer).</summary>
    WriteDone = 4,

    /// <summary>The apply FSM applied entries (state and whether the log was truncated).</summary>
    ApplyResult = 5,

    /// <summary>Start an election now.</summary>
    Campaign = 6,

    /// <summary>Hand leadership to the peer given in <see cref="PeerMessage.PeerId"/>.</summary>
    TransferLeader = 7,

    /// <summary>Truncate the log at the applied index now (the RaftEngine's purge asked).</summary>
    ForceCompact = 8,

    /// <summary>A linearizable read from <see cref="Router.ReadIndexAsync"/>.</summary>
    ReadIndex = 9,
}
