namespace ManagedKv.Raft;

/// <summary>The outcome of sending a snapshot, reported by <see cref="RawNode.ReportSnapshot"/>.</summary>
public enum SnapshotStatus
{
    /// <summary>The follower received the snapshot.</summary>
    Finish = 0,
    /// <summary>Sending failed; the leader probes again.</summary>
    Failure = 1,
}
