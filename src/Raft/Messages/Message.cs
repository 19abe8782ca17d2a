namespace ManagedKv.Raft;

/// <summary>
/// A Raft message between peers (or a local message stepped into a node). One class for all
/// <see cref="MessageType"/>s, as in etcd-raft; fields a type does not use stay at their defaults.
/// </summary>
/// <remarks>
/// The library does not keep or forward a message handed to <see cref="RawNode.Step"/> past the call, except
/// ReadIndex requests, which it keeps until answered. Messages in a <see cref="Ready"/> (and their
/// <see cref="Entries"/>) are the application's until that Ready is released (persisted and applied, see
/// <see cref="Ready"/>); then the library reuses them, so send or encode them before.
/// </remarks>
public sealed class Message
{
    /// <summary>The message kind.</summary>
    public MessageType Type { get; set; }

    /// <summary>The destination node id.</summary>
    public ulong To { get; set; }

    /// <summary>The source node id.</summary>
    public ulong From { get; set; }

    /// <summary>The sender's term; 0 for local messages and forwarded proposals and read requests.</summary>
    public ulong Term { get; set; }

    /// <summary>MsgAppend: term of the entry at <see cref="Index"/>. Vote requests: the candidate's last log term.
    /// Vote responses: the term of the entry at <see cref="Commit"/>.
    /// Rejected MsgAppendResponse: the term of the follower's entry at <see cref="RejectHint"/>.</summary>
    public ulong LogTerm { get; set; }

    /// <summary>MsgAppend: index preceding <see cref="Entries"/>. Vote requests: the candidate's last index.
    /// MsgAppendResponse: the last index accepted, or the rejected index. MsgReadIndexResp: the read index.</summary>
    public ulong Index { get; set; }

    /// <summary>Entries carried by MsgAppend or MsgPropose: a slice of the sender's log, not a copy.</summary>
    public EntrySlice Entries { get; set; }

    /// <summary>The sender's commit index (MsgAppend, MsgHeartbeat, and vote responses, which let a candidate learn
    /// that a configuration change in its log is committed).</summary>
    public ulong Commit { get; set; }

    /// <summary>MsgSnapshot: the snapshot to install.</summary>
    public Snapshot? Snapshot { get; set; }

    /// <summary>Responses: whether the request was rejected.</summary>
    public bool Reject { get; set; }

    /// <summary>Rejected MsgAppendResponse: the index the leader should probe next (fast backtracking).</summary>
    public ulong RejectHint { get; set; }

    /// <summary>Read requests and heartbeats: the read context. Vote requests: <c>CampaignTransfer</c> marks a
    /// leader transfer.</summary>
    public ReadOnlyMemory<byte> Context { get; set; }

    /// <summary>Whether the library recycles this message (<see cref="MessagePool"/>); false for messages the
    /// application created.</summary>
    internal bool Pooled { get; init; }

    /// <summary>Clears every field (for reuse by the owning pool).</summary>
    internal void Reset()
    {
        Type = default;
        To = 0;
        From = 0;
        Term = 0;
        LogTerm = 0;
        Index = 0;
        Entries = default;
        Commit = 0;
        Snapshot = null;
        Reject = false;
        RejectHint = 0;
        Context = default;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Type} {From}->{To} term={Term} logTerm={LogTerm} index={Index} commit={Commit} entries={Entries.Length} reject={Reject} hint={RejectHint}";
}
