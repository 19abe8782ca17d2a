namespace ManagedKv.Raft;

/// <summary>How the leader serves ReadIndex requests (Raft thesis §6.4).</summary>
public enum ReadOnlyOption
{
    /// <summary>Confirm leadership with a round of heartbeats acknowledged by a quorum. Always linearizable.</summary>
    Safe = 0,
    /// <summary>Trust the leader lease (no heartbeat round). Requires <see cref="RaftConfig.CheckQuorum"/>, and
    /// relies on bounded clock drift between nodes.</summary>
    LeaseBased = 1,
}
