namespace ManagedKv.Raft;

/// <summary>
/// A Raft message between peers (or a local message stepped into a node). One class for all
/// <see cref="MessageType"/>s, as in etcd-raft; fields a type does not use stay at their defaults.
/// </summary>
/// <remarks>
/// Once handed to <see cref="RawNode.Step"/> a message belongs to the library (a follower may forward it
/// after changing <see cref="To"/>); messages in a <see cref="Ready"/> belong to the application.
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
    /// Rejected MsgAppendResponse: the term of the follower's entry at <see cref="RejectHint"/>.</summary>
    public ulong LogTerm { get; set; }

    /// <summary>MsgAppend: index preceding <see cref="Entries"/>. Vote requests: the candidate's last index.
    /// MsgAppendResponse: the last index accepted, or the rejected index. MsgReadIndexResp: the read index.</summary>
    public ulong Index { get; set; }

    /// <summary>Entries carried by MsgAppend or MsgPropose.</summary>
    public Entry[] Entries { get; set; } = [];

    /// <summary>The sender's commit index (MsgAppend, MsgHeartbeat).</summary>
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

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Type} {From}->{To} term={Term} logTerm={LogTerm} index={Index} commit={Commit} entries={Entries.Length} reject={Reject} hint={RejectHint}";
}
