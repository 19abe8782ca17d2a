using System.Collections.Concurrent;
using ManagedKv.Node.Store;
using ManagedKv.Raft;

namespace ManagedKv.Node.Batch;

/// <summary>
/// One region's peer in the batch system (TiKV's PeerFsm): a <see cref="Store.Peer"/> plus its mailbox, an MPSC queue
/// any thread posts to through the <see cref="Router"/>. A raft-pool thread drains at most
/// <see cref="BatchSystemOptions.MessagesPerRound"/> messages per round — Raft messages are stepped, ticks ticked,
/// write completions and apply results taken in, proposals gathered and proposed together after one leadership check
/// — and at the end of the round the pool collects the peer's Ready (<see cref="EndRound"/>).
/// </summary>
/// <remarks>
/// Threading: the mailbox is thread-safe; everything else runs on the one pool thread that holds the FSM (the
/// scheduled flag guarantees one at a time; the pool's queue lock orders the hand-offs). <see cref="LeaderId"/> and
/// <see cref="IsLeader"/> are published for any thread after each Ready.
/// Proposal ids: a per-peer counter, put in the entry's 8-byte context (src/Node/FORMAT.md); the apply FSM matches an
/// applied entry to its proposal by (term, id), so an id reused by a later incarnation of the store never matches.
/// </remarks>
public sealed class PeerFsm : Fsm
{
    private readonly ConcurrentQueue<PeerMessage> _mailbox = new();
    private readonly List<Proposal> _roundProposals = [];
    private readonly Router _router;
    private readonly BatchSystemOptions _options;
    private ulong _nextProposalId;
    private ulong _leaderId; // published after each Ready
    private int _isLeader;

    internal PeerFsm(Router router, BatchSystemOptions options)
    {
        _router = router;
        _options = options;
    }

    /// <summary>The region id.</summary>
    public ulong RegionId => Peer.RegionId;

    /// <summary>The peer (drive it only from the pool).</summary>
    public Peer Peer { get; private set; } = null!;

    /// <summary>The region's apply FSM.</summary>
    public ApplyFsm Apply { get; private set; } = null!;

    /// <summary>The leader's peer id as of the last Ready (any thread; 0 if unknown).</summary>
    public ulong LeaderId => Volatile.Read(ref _leaderId);

    /// <summary>Whether this peer was leader as of the last Ready (any thread).</summary>
    public bool IsLeader => Volatile.Read(ref _isLeader) != 0;

    /// <summary>
    /// Whether the store timer should tick this peer. Always true in this step; hibernation (idle followers and a
    /// leader whose followers all agree stop ticking) will answer false here.
    /// </summary>
    internal bool WantsTick => true;

    /// <summary>Messages waiting in the mailbox (approximate).</summary>
    public int QueuedMessages => _mailbox.Count;

    internal override bool HasPending => !_mailbox.IsEmpty;

    internal void Attach(Peer peer, ApplyFsm apply)
    {
        Peer = peer;
        Apply = apply;
    }

    internal void Enqueue(in PeerMessage message) => _mailbox.Enqueue(message);

    /// <summary>Handles up to the per-round bound of messages; returns whether more wait.</summary>
    internal bool HandleMailbox()
    {
        int limit = _options.MessagesPerRound;
        int n = 0;
        while (n < limit && _mailbox.TryDequeue(out PeerMessage m))
        {
            n++;
            _router.OnDequeued();
            switch (m.Kind)
            {
                case PeerMessageKind.Raft:
                    Peer.Step(m.Raft!);
                    break;
                case PeerMessageKind.Propose:
                    _roundProposals.Add(m.Proposal!);
                    break;
                case PeerMessageKind.Tick:
                    Peer.Tick();
                    break;
                case PeerMessageKind.RaftLogGcTick:
                    Peer.OnRaftLogGcTick(_options.RaftLogGcThreshold, _options.RaftLogGcCountLimit);
                    break;
                case PeerMessageKind.WriteDone:
                    break; // the tasks wait in the peer; EndRound processes them
                case PeerMessageKind.ApplyResult:
                    Peer.OnApplyResult(m.ApplyState, m.Truncated);
                    break;
                case PeerMessageKind.Campaign:
                    Peer.Campaign();
                    break;
                case PeerMessageKind.TransferLeader:
                    Peer.TransferLeader(m.PeerId);
                    break;
                case PeerMessageKind.ForceCompact:
                    Peer.ForceCompactLog();
                    break;
                default:
                    throw new InvalidOperationException($"Region {RegionId}: unknown peer message {m.Kind}");
            }
        }

        if (_roundProposals.Count > 0)
        {
            ProposeRound();
        }

        return n == limit && !_mailbox.IsEmpty;
    }

    /// <summary>End of the round: write results, then the Ready (messages out, persistence to the store writer).</summary>
    internal void EndRound()
    {
        Peer.HandleReady();
        Volatile.Write(ref _leaderId, Peer.LeaderId);
        Volatile.Write(ref _isLeader, Peer.IsLeader ? 1 : 0);
    }

    /// <summary>The round failed: answers the proposals it had gathered (StoreStopped).</summary>
    internal void AbortRound()
    {
        foreach (Proposal p in _roundProposals)
        {
            _router.FailStopped(p);
        }

        _roundProposals.Clear();
    }

    /// <summary>Fails every proposal still in the mailbox (the store stopped). Other messages are dropped.</summary>
    internal void FailQueued()
    {
        while (_mailbox.TryDequeue(out PeerMessage m))
        {
            _router.OnDequeued();
            if (m.Proposal is Proposal p)
            {
                _router.FailStopped(p);
            }
        }
    }

    // Proposes the round's commands after one look at the current role: Peer.IsLeader dates from the last Ready and
    // RawNode would forward a follower's proposal, whose outcome this peer could then not tell.
    private void ProposeRound()
    {
        Status status = Peer.RaftGroup.Status();
        bool leader = status.SoftState.RaftState == StateRole.Leader;
        ulong term = status.HardState.Term;
        foreach (Proposal p in _roundProposals)
        {
            if (leader)
            {
                ulong id = ++_nextProposalId;
                if (Peer.ProposeWrite(p.Command, ProposalContext.Encode(id)) == RaftResult.Ok)
                {
                    p.Id = id;
                    p.Term = term;
                    Apply.AddProposal(p);
                    continue;
                }
            }

            _router.Fail(p, ProposeError.NotLeader, term, LeaderPeer(status.SoftState.Lead));
        }

        _roundProposals.Clear();
    }

    private Metapb.Peer? LeaderPeer(ulong peerId)
    {
        if (peerId == 0)
        {
            return null;
        }

        foreach (Metapb.Peer p in Peer.Storage.Region.Peers)
        {
            if (p.Id == peerId)
            {
                return p;
            }
        }

        return null;
    }
}
