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
    private readonly List<ReadIndexRequest> _roundReads = [];
    private readonly List<ReadIndexRequest> _pendingReads = []; // asked of Raft, in id order
    private readonly Router _router;
    private readonly BatchSystemOptions _options;
    private ulong _nextProposalId;
    private ulong _nextReadId;
    private Metapb.Region _region = null!; // a copy, published for any thread
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
        Volatile.Write(ref _region, peer.Storage.Region.Clone());
    }

    /// <summary>A copy of the region's meta (range, epoch, peers), for any thread. Do not change it. Set when the peer
    /// opens; region changes (split, merge, conf change — later steps) will publish a new copy.</summary>
    public Metapb.Region Region => Volatile.Read(ref _region);

    /// <summary>The region's peer with id <paramref name="peerId"/>, or null (any thread).</summary>
    public Metapb.Peer? FindPeer(ulong peerId)
    {
        if (peerId != 0)
        {
            foreach (Metapb.Peer p in Region.Peers)
            {
                if (p.Id == peerId)
                {
                    return p;
                }
            }
        }

        return null;
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
                case PeerMessageKind.ReadIndex:
                    _roundReads.Add(m.Read!);
                    break;
                default:
                    throw new InvalidOperationException($"Region {RegionId}: unknown peer message {m.Kind}");
            }
        }

        if (_roundProposals.Count > 0 || _roundReads.Count > 0)
        {
            // One look at the role for the round's proposals and reads (Status allocates).
            Status status = Peer.RaftGroup.Status();
            if (_roundProposals.Count > 0)
            {
                ProposeRound(status);
            }

            if (_roundReads.Count > 0)
            {
                AskReadsRound(status);
            }
        }

        return n == limit && !_mailbox.IsEmpty;
    }

    /// <summary>End of the round: write results, then the Ready (messages out, persistence to the store writer).</summary>
    internal void EndRound()
    {
        Peer.HandleReady();
        Volatile.Write(ref _leaderId, Peer.LeaderId);
        Volatile.Write(ref _isLeader, Peer.IsLeader ? 1 : 0);
        if (_pendingReads.Count > 0 || Peer.ReadStates.Count > 0)
        {
            ProgressReads();
        }
    }

    /// <summary>Reads asked of Raft and not yet answered.</summary>
    internal int PendingReads => _pendingReads.Count;

    /// <summary>The round failed: answers the proposals it had gathered (StoreStopped).</summary>
    internal void AbortRound()
    {
        foreach (Proposal p in _roundProposals)
        {
            _router.FailStopped(p);
        }

        _roundProposals.Clear();
        foreach (ReadIndexRequest r in _roundReads)
        {
            _router.FailStopped(r);
        }

        _roundReads.Clear();
    }

    /// <summary>Fails every read asked of Raft and not answered yet (the store stopped; the pools are stopped).</summary>
    internal void FailPendingReads()
    {
        foreach (ReadIndexRequest r in _pendingReads)
        {
            _router.FailStopped(r);
        }

        _pendingReads.Clear();
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
            else if (m.Read is ReadIndexRequest r)
            {
                _router.FailStopped(r);
            }
        }
    }

    // Proposes the round's commands after one look at the current role: Peer.IsLeader dates from the last Ready and
    // RawNode would forward a follower's proposal, whose outcome this peer could then not tell.
    private void ProposeRound(Status status)
    {
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

    // Asks Raft for a read index per read of the round (each its own id as context), after one look at the role: a
    // follower's request would be forwarded to the leader, and the answer would name an index of this peer's log that
    // the leader's confirmation does not cover for this store's reads until applied — TiKV's follower read, not here.
    private void AskReadsRound(Status status)
    {
        bool leader = status.SoftState.RaftState == StateRole.Leader;
        ulong term = status.HardState.Term;
        foreach (ReadIndexRequest r in _roundReads)
        {
            if (leader)
            {
                ulong id = ++_nextReadId;
                r.Id = id;
                r.Term = term;
                _pendingReads.Add(r);
                Peer.ReadIndex(ProposalContext.Encode(id));
            }
            else
            {
                _router.Fail(r, ProposeError.NotLeader, term, LeaderPeer(status.SoftState.Lead));
            }
        }

        _roundReads.Clear();
    }

    // After the round's Ready: read states give their reads an index; a read completes once the applied index (the
    // apply results taken in this round) reaches it. A read whose peer is no longer leader of its term fails:
    // NotLeader if another peer leads (or none is known), StaleCommand if this peer leads again in a newer term (Raft
    // dropped the request when it stepped down). One Raft status per round while reads wait.
    private void ProgressReads()
    {
        List<ReadState> states = Peer.ReadStates;
        foreach (ReadState rs in states)
        {
            ulong id = ProposalContext.Decode(rs.RequestContext.Span);
            foreach (ReadIndexRequest r in _pendingReads)
            {
                if (r.Id == id)
                {
                    r.Index = rs.Index;
                    break;
                }
            }
        }

        states.Clear();
        if (_pendingReads.Count == 0)
        {
            return;
        }

        Status status = Peer.RaftGroup.Status();
        bool leader = status.SoftState.RaftState == StateRole.Leader;
        ulong term = status.HardState.Term;
        ulong applied = Peer.Storage.AppliedIndex;
        Metapb.Region? region = null;
        int kept = 0;
        for (int i = 0; i < _pendingReads.Count; i++)
        {
            ReadIndexRequest r = _pendingReads[i];
            if (!leader)
            {
                _router.Fail(r, ProposeError.NotLeader, term, LeaderPeer(status.SoftState.Lead));
            }
            else if (r.Term != term)
            {
                _router.Fail(r, ProposeError.StaleCommand, term, null);
            }
            else if (r.Index != 0 && r.Index <= applied)
            {
                region ??= Peer.Storage.Region.Clone();
                r.Complete(new ReadIndexResult(ProposeError.None, RegionId, r.Index, applied, term, null, region));
            }
            else
            {
                _pendingReads[kept++] = r;
            }
        }

        _pendingReads.RemoveRange(kept, _pendingReads.Count - kept);
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
