namespace ManagedKv.Raft;

/// <summary>
/// The kind of a <see cref="Message"/>. The names follow etcd-raft / raft-rs so readers can cross-reference.
/// Local messages (<see cref="MsgHup"/>, <see cref="MsgBeat"/>, <see cref="MsgUnreachable"/>,
/// <see cref="MsgSnapStatus"/>, <see cref="MsgCheckQuorum"/>) never travel on the wire.
/// </summary>
/// <remarks>On the wire (see FORMAT.md): never renumber.</remarks>
public enum MessageType : byte
{
    /// <summary>Local: start an election.</summary>
    MsgHup = 0,
    /// <summary>Local: the leader should send heartbeats.</summary>
    MsgBeat = 1,
    /// <summary>A proposal, local or forwarded to the leader.</summary>
    MsgPropose = 2,
    /// <summary>Leader to follower: append entries (Raft §5.3).</summary>
    MsgAppend = 3,
    /// <summary>Follower to leader: append accepted or rejected.</summary>
    MsgAppendResponse = 4,
    /// <summary>Candidate to voter: request a vote (Raft §5.2).</summary>
    MsgRequestVote = 5,
    /// <summary>Voter to candidate: vote granted or rejected.</summary>
    MsgRequestVoteResponse = 6,
    /// <summary>Leader to follower: install a snapshot (Raft §7).</summary>
    MsgSnapshot = 7,
    /// <summary>Leader to follower: heartbeat carrying the commit index.</summary>
    MsgHeartbeat = 8,
    /// <summary>Follower to leader: heartbeat answer.</summary>
    MsgHeartbeatResponse = 9,
    /// <summary>Local: the application failed to reach a peer.</summary>
    MsgUnreachable = 10,
    /// <summary>Local: the application reports the outcome of sending a snapshot.</summary>
    MsgSnapStatus = 11,
    /// <summary>Local: the leader checks that a quorum was recently active.</summary>
    MsgCheckQuorum = 12,
    /// <summary>Ask the leader to transfer leadership to <see cref="Message.From"/>.</summary>
    MsgTransferLeader = 13,
    /// <summary>Leader to transferee: campaign now, ignoring the election timeout.</summary>
    MsgTimeoutNow = 14,
    /// <summary>A linearizable read request, local or forwarded to the leader.</summary>
    MsgReadIndex = 15,
    /// <summary>Leader to follower: the read index of a forwarded read request.</summary>
    MsgReadIndexResp = 16,
    /// <summary>Pre-candidate to voter: would you vote for me (thesis §9.6)?</summary>
    MsgRequestPreVote = 17,
    /// <summary>Voter to pre-candidate: pre-vote granted or rejected.</summary>
    MsgRequestPreVoteResponse = 18,
}
