namespace ManagedKv.Raft;

/// <summary>How the leader replicates to one follower (etcd's progress states).</summary>
public enum ProgressState
{
    /// <summary>The leader does not know the follower's last index: at most one MsgAppend in flight while it
    /// searches for the match point.</summary>
    Probe = 0,
    /// <summary>Steady state: entries are streamed optimistically within the inflight window.</summary>
    Replicate = 1,
    /// <summary>The follower needs a snapshot; nothing is sent until the snapshot is reported.</summary>
    Snapshot = 2,
}
