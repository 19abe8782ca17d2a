using System.Diagnostics;

namespace ManagedKv.Raft;

/// <summary>
/// The Raft state machine of one node (etcd's raft struct, raft-rs's Raft): terms, votes, roles, the log and the
/// leader's replication state. Deterministic: no threads, clocks or I/O; driven by <see cref="Tick"/> and
/// <see cref="Step"/>; outgoing messages accumulate until <see cref="RawNode"/> takes them into a
/// <see cref="Ready"/>. Split by role: RaftCore.Leader.cs, RaftCore.Candidate.cs, RaftCore.Follower.cs, and
/// RaftCore.ConfChange.cs for membership. Not thread-safe.
/// Invariant: <see cref="Lead"/> == <see cref="Id"/> iff <see cref="State"/> is <see cref="StateRole.Leader"/>.
/// </summary>
internal sealed partial class RaftCore
{
    /// <summary>The vote context that marks an election started by leader transfer (may bypass the lease).</summary>
    internal static readonly byte[] CampaignTransferContext = "CampaignTransfer"u8.ToArray();

    private readonly List<Entry> _scratchEntries = [];

    /// <summary>Reused for the local messages Tick steps (MsgHup, MsgBeat, MsgCheckQuorum), which nothing keeps.</summary>
    private readonly Message _localMessage = new();
    private SoftState _softState = new(0, StateRole.Follower);
    private ulong _rngState;

    public RaftCore(RaftConfig config, IRaftStorage storage)
    {
        config.Validate();
        Id = config.Id;
        RaftLog = new RaftLog(storage, config.MaxCommittedSizePerReady, new EntryChunkPool());
        RaftState initial = storage.InitialState();
        MaxMsgSize = config.MaxSizePerMsg;
        Tracker = new ProgressTracker(config.MaxInflightMsgs);
        ElectionTimeout = config.ElectionTick;
        HeartbeatTimeout = config.HeartbeatTick;
        CheckQuorum = config.CheckQuorum;
        PreVote = config.PreVote;
        ReadOnly = new ReadOnlyTracker(config.ReadOnlyOption);
        _rngState = config.RandomSeed != 0 ? config.RandomSeed : (config.Id * 0x9E3779B97F4A7C15UL) | 1;

        RestoreConfState(initial.ConfState);
        if (!initial.HardState.IsEmpty)
        {
            LoadState(initial.HardState);
        }

        if (config.Applied > 0)
        {
            RaftLog.AppliedTo(config.Applied);
        }

        BecomeFollower(Term, 0);
    }

    public ulong Id { get; }

    /// <summary>Raft figure 2 currentTerm.</summary>
    public ulong Term { get; private set; }

    /// <summary>Raft figure 2 votedFor (0 = none).</summary>
    public ulong Vote { get; private set; }

    public StateRole State { get; private set; }

    public ulong Lead { get; private set; }

    public bool IsLearner { get; private set; }

    public RaftLog RaftLog { get; }

    public ProgressTracker Tracker { get; }

    public ReadOnlyTracker ReadOnly { get; private set; }

    public ulong MaxMsgSize { get; }

    public bool CheckQuorum { get; }

    public bool PreVote { get; }

    public int ElectionTimeout { get; }

    public int HeartbeatTimeout { get; }

    /// <summary>Ticks since the last election timeout reset (followers: since hearing from the leader).</summary>
    public int ElectionElapsed { get; internal set; }

    public int HeartbeatElapsed { get; private set; }

    public int RandomizedElectionTimeout { get; private set; }

    /// <summary>The follower leadership is being transferred to, or 0.</summary>
    public ulong LeadTransferee { get; private set; }

    /// <summary>The index of the latest configuration change proposed by this leader; another is accepted only
    /// once it is applied.</summary>
    public ulong PendingConfIndex { get; private set; }

    /// <summary>Messages the application may send right away.</summary>
    public List<Message> Msgs { get; } = [];

    /// <summary>Messages the application may send only after persisting the Ready they came with (votes and
    /// append answers must not outrun the state they promise).</summary>
    public List<Message> PersistedMsgs { get; } = [];

    public List<ReadState> ReadStates { get; } = [];

    /// <summary>ReadIndex requests that arrived before this leader committed an entry of its term.</summary>
    private List<Message> PendingReadIndexMessages { get; set; } = [];

    public HardState HardState => new(Term, Vote, RaftLog.Committed);

    /// <summary>The current soft state; the same instance while it does not change (HasReady asks often).</summary>
    public SoftState SoftState
    {
        get
        {
            if (_softState.Lead != Lead || _softState.RaftState != State)
            {
                _softState = new SoftState(Lead, State);
            }

            return _softState;
        }
    }

    public bool Promotable
    {
        get
        {
            Progress? pr = Tracker.Progress.Get(Id);
            return pr is not null && !pr.IsLearner && !RaftLog.HasNextOrInProgressSnapshot;
        }
    }

    private void LoadState(HardState hs)
    {
        if (hs.Commit > RaftLog.LastIndex())
        {
            throw new InvalidOperationException($"{Id} state.commit {hs.Commit} is out of range [{RaftLog.Committed}, {RaftLog.LastIndex()}]");
        }

        // A commit index below the snapshot is stale but harmless: the snapshot's index is committed by definition
        // (the application may compact before the hard state that covers it is persisted).
        RaftLog.CommitTo(hs.Commit);
        Term = hs.Term;
        Vote = hs.Vote;
    }

    /// <summary>Advances logical time by one tick.</summary>
    public void Tick()
    {
        if (State == StateRole.Leader)
        {
            TickHeartbeat();
        }
        else
        {
            TickElection();
        }
    }

    private void TickElection()
    {
        ElectionElapsed++;
        if (Promotable && PastElectionTimeout)
        {
            ElectionElapsed = 0;
            Step(LocalMessage(MessageType.MsgHup));
        }
    }

    private void TickHeartbeat()
    {
        HeartbeatElapsed++;
        ElectionElapsed++;
        if (ElectionElapsed >= ElectionTimeout)
        {
            ElectionElapsed = 0;
            if (CheckQuorum)
            {
                Step(LocalMessage(MessageType.MsgCheckQuorum));
            }

            // A transfer that did not finish within an election timeout is abandoned (thesis §3.10).
            if (State == StateRole.Leader && LeadTransferee != 0)
            {
                AbortLeaderTransfer();
            }
        }

        if (State != StateRole.Leader)
        {
            return;
        }

        if (HeartbeatElapsed >= HeartbeatTimeout)
        {
            HeartbeatElapsed = 0;
            Step(LocalMessage(MessageType.MsgBeat));
        }
    }

    public bool PastElectionTimeout => ElectionElapsed >= RandomizedElectionTimeout;

    private Message LocalMessage(MessageType type)
    {
        Message m = _localMessage;
        m.Reset();
        m.Type = type;
        m.From = Id;
        return m;
    }

    /// <summary>A pooled outgoing message (returned to the <see cref="MessagePool"/> when its Ready is released).</summary>
    private static Message NewMessage(MessageType type, ulong to) => MessagePool.Current.Rent(type, to);

    private void ResetRandomizedElectionTimeout()
    {
        // xorshift64*: deterministic per seed.
        _rngState ^= _rngState >> 12;
        _rngState ^= _rngState << 25;
        _rngState ^= _rngState >> 27;
        ulong r = _rngState * 2685821657736338717UL;
        RandomizedElectionTimeout = ElectionTimeout + (int)(r % (ulong)ElectionTimeout);
    }

    private void Reset(ulong term)
    {
        if (Term != term)
        {
            Term = term;
            Vote = 0;
        }

        Lead = 0;
        ElectionElapsed = 0;
        HeartbeatElapsed = 0;
        ResetRandomizedElectionTimeout();
        AbortLeaderTransfer();
        Tracker.ResetVotes();
        ulong lastIndex = RaftLog.LastIndex();
        foreach (ulong id in Tracker.Progress.Ids)
        {
            Progress pr = Tracker.Progress.Get(id)!;
            pr.ResetState(ProgressState.Probe);
            pr.Match = 0;
            pr.Next = lastIndex + 1;
            pr.RecentActive = false;
            if (id == Id)
            {
                // Only what is persisted locally counts towards the leader's own acknowledgement.
                pr.Match = RaftLog.Persisted;
            }
        }

        PendingConfIndex = 0;
        ReadOnly = new ReadOnlyTracker(ReadOnly.Option);
        PendingReadIndexMessages.Clear();
    }

    public void BecomeFollower(ulong term, ulong lead)
    {
        Reset(term);
        Lead = lead;
        State = StateRole.Follower;
    }

    public void BecomeCandidate()
    {
        if (State == StateRole.Leader)
        {
            throw new InvalidOperationException("invalid transition [leader -> candidate]");
        }

        Reset(Term + 1);
        Vote = Id;
        State = StateRole.Candidate;
    }

    public void BecomePreCandidate()
    {
        if (State == StateRole.Leader)
        {
            throw new InvalidOperationException("invalid transition [leader -> pre-candidate]");
        }

        // Pre-candidates change neither term nor vote (thesis §9.6).
        Tracker.ResetVotes();
        Lead = 0;
        State = StateRole.PreCandidate;
    }

    public void BecomeLeader()
    {
        if (State == StateRole.Follower)
        {
            throw new InvalidOperationException("invalid transition [follower -> leader]");
        }

        Reset(Term);
        Lead = Id;
        State = StateRole.Leader;
        Progress self = Tracker.Progress.Get(Id)!;
        self.BecomeReplicate();
        self.RecentActive = true;

        // Conservatively treat any configuration change in the uncommitted tail as pending.
        PendingConfIndex = RaftLog.LastIndex();

        // Raft §5.4.2 / §8: commit an empty entry of the new term to learn the commit index.
        ulong li = RaftLog.LastIndex();
        RaftLog.ReserveAppend(1)[0] = new Entry(Term, li + 1, EntryType.EntryNormal, default);
    }

    /// <summary>Queues an outgoing message, deciding whether it may leave before the next persistence.</summary>
    public void Send(Message m)
    {
        m.From = Id;
        switch (m.Type)
        {
            case MessageType.MsgRequestVote:
            case MessageType.MsgRequestVoteResponse:
            case MessageType.MsgRequestPreVote:
            case MessageType.MsgRequestPreVoteResponse:
                if (m.Term == 0)
                {
                    throw new InvalidOperationException($"term should be set when sending {m.Type}");
                }

                break;
            default:
                if (m.Term != 0)
                {
                    throw new InvalidOperationException($"term should not be set when sending {m.Type} (was {m.Term})");
                }

                // Forwarded proposals and read requests stay local (term 0) so a leader of any term accepts them.
                if (m.Type != MessageType.MsgPropose && m.Type != MessageType.MsgReadIndex)
                {
                    m.Term = Term;
                }

                break;
        }

        // Raft thesis §10.2.1: a leader may send appends before persisting its own log. Anything a non-leader
        // sends (votes, append answers, campaign requests that count the node's own vote) waits for persistence.
        if (State == StateRole.Leader)
        {
            Msgs.Add(m);
        }
        else
        {
            PersistedMsgs.Add(m);
        }
    }

    /// <summary>The entry point for every message (Raft figure 2, "Rules for Servers").</summary>
    public RaftResult Step(Message m)
    {
        if (m.Term == 0)
        {
            // Local message.
        }
        else if (m.Term > Term)
        {
            if (m.Type is MessageType.MsgRequestVote or MessageType.MsgRequestPreVote)
            {
                bool force = m.Context.Span.SequenceEqual(CampaignTransferContext);
                bool inLease = CheckQuorum && Lead != 0 && ElectionElapsed < ElectionTimeout;
                if (!force && inLease)
                {
                    // Leader lease (thesis §4.2.3): while we hear from a leader, ignore disruptive candidates.
                    return RaftResult.Ok;
                }
            }

            if (m.Type == MessageType.MsgRequestPreVote)
            {
                // A pre-vote never changes our term.
            }
            else if (m.Type == MessageType.MsgRequestPreVoteResponse && !m.Reject)
            {
                // Granted pre-votes carry the future term; the term changes only when the election starts.
            }
            else if (m.Type is MessageType.MsgAppend or MessageType.MsgHeartbeat or MessageType.MsgSnapshot)
            {
                BecomeFollower(m.Term, m.From);
            }
            else
            {
                BecomeFollower(m.Term, 0);
            }
        }
        else if (m.Term < Term)
        {
            if ((CheckQuorum || PreVote) && m.Type is MessageType.MsgHeartbeat or MessageType.MsgAppend)
            {
                // A stale leader (e.g. rejoining after a partition) learns the new term from this answer; without
                // it, a node with check quorum or pre-vote could never disrupt it and it would never step down.
                Send(new Message { To = m.From, Type = MessageType.MsgAppendResponse });
            }
            else if (m.Type == MessageType.MsgRequestPreVote)
            {
                Send(new Message { To = m.From, Term = Term, Type = MessageType.MsgRequestPreVoteResponse, Reject = true });
            }

            // Otherwise ignore stale messages.
            return RaftResult.Ok;
        }

        switch (m.Type)
        {
            case MessageType.MsgHup:
                Hup(PreVote ? CampaignType.PreElection : CampaignType.Election);
                return RaftResult.Ok;

            case MessageType.MsgRequestVote:
            case MessageType.MsgRequestPreVote:
                HandleVoteRequest(m);
                return RaftResult.Ok;

            default:
                return State switch
                {
                    StateRole.Leader => StepLeader(m),
                    StateRole.Candidate or StateRole.PreCandidate => StepCandidate(m),
                    _ => StepFollower(m),
                };
        }
    }

    private void HandleVoteRequest(Message m)
    {
        // Raft §5.2, §5.4: one vote per term, only for a log at least as up to date as ours.
        bool canVote = Vote == m.From
            || (Vote == 0 && Lead == 0)
            || (m.Type == MessageType.MsgRequestPreVote && m.Term > Term);
        MessageType responseType = m.Type == MessageType.MsgRequestVote
            ? MessageType.MsgRequestVoteResponse
            : MessageType.MsgRequestPreVoteResponse;
        // Every answer carries our commit index and its term, so that a candidate whose log holds a committed
        // configuration change it does not know is committed can learn it (see MaybeCommitByVote).
        ulong commitTerm = RaftLog.ZeroTermOnOutOfBounds(RaftLog.Committed);
        if (canVote && RaftLog.IsUpToDate(m.Index, m.LogTerm))
        {
            // The response carries the request's term: a pre-vote is granted for a term we have not reached.
            Send(new Message { To = m.From, Term = m.Term, Type = responseType, Commit = RaftLog.Committed, LogTerm = commitTerm });
            if (m.Type == MessageType.MsgRequestVote)
            {
                ElectionElapsed = 0;
                Vote = m.From;
            }
        }
        else
        {
            Send(new Message { To = m.From, Term = Term, Type = responseType, Reject = true, Commit = RaftLog.Committed, LogTerm = commitTerm });
        }
    }

    /// <summary>The node persisted its log up to (<paramref name="index"/>, <paramref name="term"/>).</summary>
    public void OnPersistEntries(ulong index, ulong term)
    {
        ulong before = RaftLog.Persisted;
        RaftLog.StableTo(index, term);
        if (State == StateRole.Leader && RaftLog.Persisted > before)
        {
            Progress? self = Tracker.Progress.Get(Id);
            if (self is not null && self.MaybeUpdate(RaftLog.Persisted) && MaybeCommit())
            {
                OnCommitAdvanced();
            }
        }
    }

    /// <summary>The node persisted (and installed) the snapshot at <paramref name="index"/>.</summary>
    public void OnPersistSnapshot(ulong index) => RaftLog.StableSnapTo(index);

    /// <summary>The application applied entries up to <paramref name="index"/>.</summary>
    public void AppliedTo(ulong index)
    {
        ulong newApplied = Math.Max(index, RaftLog.Applied);
        RaftLog.AppliedTo(newApplied);

        if (Tracker.Config.AutoLeave && newApplied >= PendingConfIndex && State == StateRole.Leader)
        {
            // Leave the joint configuration now that entering it is applied. Empty data is the leave-joint change;
            // it can only be dropped by a leader transfer, and then this is tried again on the next apply.
            var leave = new Entry(0, 0, EntryType.EntryConfChangeV2, default);
            Propose(new ReadOnlySpan<Entry>(in leave));
        }
    }

    /// <summary>Whether a committed but unapplied configuration change exists (a node must not campaign then).</summary>
    private bool HasUnappliedConfChanges()
    {
        if (RaftLog.Applied >= RaftLog.Committed)
        {
            return false;
        }

        _scratchEntries.Clear();
        ulong lo = RaftLog.Applied + 1;
        ulong hi = RaftLog.Committed + 1;
        if (RaftLog.Slice(lo, hi, ulong.MaxValue, _scratchEntries) != StorageStatus.Ok)
        {
            throw new InvalidOperationException($"error scanning unapplied entries [{lo}, {hi})");
        }

        foreach (Entry e in _scratchEntries)
        {
            if (e.Type == EntryType.EntryConfChangeV2)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Overrides the randomized election timeout (tests pin it to make campaigns happen at a known tick).</summary>
    internal void SetRandomizedElectionTimeout(int ticks)
    {
        Debug.Assert(ticks >= ElectionTimeout, "the randomized timeout is at least the election timeout");
        RandomizedElectionTimeout = ticks;
    }

    public override string ToString() => $"{Id} [{State} term={Term} vote={Vote} lead={Lead}] {RaftLog}";
}
