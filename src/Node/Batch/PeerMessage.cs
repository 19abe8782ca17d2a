using ManagedKv.Node.Store;
using ManagedKv.Raft;

namespace ManagedKv.Node.Batch;

/// <summary>
/// One entry of a peer's mailbox: a struct, so queueing a message allocates nothing beyond its payload (a Raft message
/// or a proposal). Immutable.
/// </summary>
public readonly struct PeerMessage
{
    private PeerMessage(PeerMessageKind kind, Message? raft, Proposal? proposal, RaftApplyState applyState, bool truncated, ulong peerId,
        ReadIndexRequest? read = null)
    {
        Read = read;
        Kind = kind;
        Raft = raft;
        Proposal = proposal;
        ApplyState = applyState;
        Truncated = truncated;
        PeerId = peerId;
    }

    /// <summary>What the message is.</summary>
    public PeerMessageKind Kind { get; }

    /// <summary>The Raft message (<see cref="PeerMessageKind.Raft"/>).</summary>
    public Message? Raft { get; }

    /// <summary>The proposal (<see cref="PeerMessageKind.Propose"/>).</summary>
    public Proposal? Proposal { get; }

    /// <summary>The read (<see cref="PeerMessageKind.ReadIndex"/>).</summary>
    public ReadIndexRequest? Read { get; }

    /// <summary>The applied state (<see cref="PeerMessageKind.ApplyResult"/>).</summary>
    public RaftApplyState ApplyState { get; }

    /// <summary>Whether the apply truncated the log (<see cref="PeerMessageKind.ApplyResult"/>).</summary>
    public bool Truncated { get; }

    /// <summary>The target peer (<see cref="PeerMessageKind.TransferLeader"/>).</summary>
    public ulong PeerId { get; }

    /// <summary>A Raft message.</summary>
    public static PeerMessage ForRaft(Message message) => new(PeerMessageKind.Raft, message, null, default, false, 0);

    /// <summary>A proposal.</summary>
    public static PeerMessage ForProposal(Proposal proposal) => new(PeerMessageKind.Propose, null, proposal, default, false, 0);

    /// <summary>A linearizable read.</summary>
    public static PeerMessage ForRead(ReadIndexRequest read) => new(PeerMessageKind.ReadIndex, null, null, default, false, 0, read);

    /// <summary>An apply result.</summary>
    public static PeerMessage ForApplyResult(in RaftApplyState state, bool truncated) =>
        new(PeerMessageKind.ApplyResult, null, null, state, truncated, 0);

    /// <summary>A leadership transfer to <paramref name="peerId"/>.</summary>
    public static PeerMessage ForTransferLeader(ulong peerId) => new(PeerMessageKind.TransferLeader, null, null, default, false, peerId);

    /// <summary>A message with no payload (ticks, wake-ups, control).</summary>
    public static PeerMessage Of(PeerMessageKind kind) => new(kind, null, null, default, false, 0);
}
