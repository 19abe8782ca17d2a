namespace ManagedKv.Raft;

/// <summary>The leader: proposals, replication with flow control, commitment, heartbeats, reads and leader
/// transfer.</summary>
internal sealed partial class RaftCore
{
    private readonly List<ReadIndexStatus> _readsDone = [];
    private List<Message> _readIndexScratch = [];

    private RaftResult StepLeader(Message m)
    {
        // Messages that need no progress of the sender.
        switch (m.Type)
        {
            case MessageType.MsgBeat:
                BroadcastHeartbeat(default);
                return RaftResult.Ok;

            case MessageType.MsgCheckQuorum:
                if (!Tracker.QuorumActive(Id))
                {
                    // Thesis §6.2: a leader that cannot reach a quorum steps down so clients find the real leader.
                    BecomeFollower(Term, 0);
                }

                foreach (ulong id in Tracker.Progress.Ids)
                {
                    if (id != Id)
                    {
                        Tracker.Progress.Get(id)!.RecentActive = false;
                    }
                }

                return RaftResult.Ok;

            case MessageType.MsgPropose:
                return HandlePropose(m);

            case MessageType.MsgReadIndex:
                HandleReadIndex(m);
                return RaftResult.Ok;
        }

        Progress? pr = Tracker.Progress.Get(m.From);
        if (pr is null)
        {
            return RaftResult.StepPeerNotFound;
        }

        switch (m.Type)
        {
            case MessageType.MsgAppendResponse:
                HandleAppendResponse(m, pr);
                break;

            case MessageType.MsgHeartbeatResponse:
                HandleHeartbeatResponse(m, pr);
                break;

            case MessageType.MsgSnapStatus:
                if (pr.State != ProgressState.Snapshot)
                {
                    break;
                }

                if (m.Reject)
                {
                    // The snapshot failed: forget it and probe again.
                    pr.PendingSnapshot = 0;
                }

                pr.BecomeProbe();

                // Wait for the follower's heartbeat answer before the next append, whether it succeeded or not.
                pr.MsgAppFlowPaused = true;
                break;

            case MessageType.MsgUnreachable:
                // Optimistic streaming to an unreachable follower is pointless: probe instead.
                if (pr.State == ProgressState.Replicate)
                {
                    pr.BecomeProbe();
                }

                break;

            case MessageType.MsgTransferLeader:
                HandleTransferLeader(m, pr);
                break;
        }

        return RaftResult.Ok;
    }

    private RaftResult HandlePropose(Message m) => AppendProposal(m.Entries.Span);

    /// <summary>
    /// Proposes <paramref name="entries"/> (term and index unset): a leader appends them, a follower forwards them to
    /// the leader, a candidate drops them. What <see cref="RawNode.Propose"/> does without building a message.
    /// </summary>
    public RaftResult Propose(ReadOnlySpan<Entry> entries)
    {
        switch (State)
        {
            case StateRole.Leader:
                return AppendProposal(entries);
            case StateRole.Candidate:
            case StateRole.PreCandidate:
                return RaftResult.ProposalDropped;
            default:
                return ForwardProposal(entries);
        }
    }

    /// <summary>A follower sends proposals to the leader in a message of its own (never the one it received).</summary>
    private RaftResult ForwardProposal(ReadOnlySpan<Entry> entries)
    {
        if (Lead == 0)
        {
            return RaftResult.ProposalDropped;
        }

        Message m = NewMessage(MessageType.MsgPropose, Lead);
        m.Entries = RaftLog.Pool.Copy(entries);
        Send(m);
        return RaftResult.Ok;
    }

    /// <summary>The leader stamps term and index on proposed entries and writes them straight into its log.</summary>
    private RaftResult AppendProposal(ReadOnlySpan<Entry> entries)
    {
        if (entries.IsEmpty)
        {
            throw new InvalidOperationException($"{Id} stepped empty MsgPropose");
        }

        if (Tracker.Progress.Get(Id) is null)
        {
            // Removed from the configuration while leader: do not accept new work.
            return RaftResult.ProposalDropped;
        }

        if (LeadTransferee != 0)
        {
            // Thesis §3.10: stop accepting proposals during a transfer so the transferee can catch up.
            return RaftResult.ProposalDropped;
        }

        // Decode configuration changes before touching the log, so a malformed one leaves it unchanged.
        bool anyConfChange = false;
        foreach (Entry e in entries)
        {
            if (e.Type == EntryType.EntryConfChangeV2)
            {
                ConfChangeV2.Decode(e.Data.Span);
                anyConfChange = true;
            }
        }

        ulong li = RaftLog.LastIndex();
        Span<Entry> log = RaftLog.ReserveAppend(entries.Length);
        for (int i = 0; i < entries.Length; i++)
        {
            Entry e = entries[i];
            if (anyConfChange && e.Type == EntryType.EntryConfChangeV2)
            {
                ConfChangeV2 cc = ConfChangeV2.Decode(e.Data.Span);
                bool alreadyPending = PendingConfIndex > RaftLog.Applied;
                bool alreadyJoint = Tracker.Config.Voters.IsJoint;
                bool wantsLeaveJoint = cc.IsLeaveJoint;
                if (alreadyPending || (alreadyJoint && !wantsLeaveJoint) || (!alreadyJoint && wantsLeaveJoint))
                {
                    // Only one change at a time (thesis §4.1); refuse by turning it into an empty normal entry so the
                    // proposal's other entries keep their positions.
                    e = new Entry(0, 0, EntryType.EntryNormal, default);
                }
                else
                {
                    PendingConfIndex = li + (ulong)i + 1;
                }
            }

            log[i] = e.WithTermIndex(Term, li + 1 + (ulong)i);
        }

        // The leader's own acknowledgement waits until the entries are persisted (OnPersistEntries).
        BroadcastAppend();
        return RaftResult.Ok;
    }

    private void HandleReadIndex(Message m)
    {
        if (Tracker.IsSingleton)
        {
            // A single voter is always up to date.
            RespondToReadIndex(m, RaftLog.Committed);
            return;
        }

        if (!CommittedEntryInCurrentTerm())
        {
            // Thesis §6.4: the commit index is only known once an entry of this term commits.
            PendingReadIndexMessages.Add(m);
            return;
        }

        SendReadIndexResponse(m);
    }

    private bool CommittedEntryInCurrentTerm() => RaftLog.ZeroTermOnOutOfBounds(RaftLog.Committed) == Term;

    private void SendReadIndexResponse(Message m)
    {
        switch (ReadOnly.Option)
        {
            case ReadOnlyOption.Safe:
                // Thesis §6.4: record the commit index, then confirm leadership with a heartbeat round.
                ReadOnly.AddRequest(RaftLog.Committed, m);
                ReadOnly.RecvAck(Id, m.Context);
                BroadcastHeartbeat(m.Context);
                break;
            case ReadOnlyOption.LeaseBased:
                RespondToReadIndex(m, RaftLog.Committed);
                break;
        }
    }

    private void RespondToReadIndex(Message request, ulong readIndex)
    {
        if (request.From == 0 || request.From == Id)
        {
            ReadStates.Add(new ReadState(readIndex, request.Context));
        }
        else
        {
            Send(new Message { To = request.From, Type = MessageType.MsgReadIndexResp, Index = readIndex, Context = request.Context });
        }
    }

    private void ReleasePendingReadIndexMessages()
    {
        if (PendingReadIndexMessages.Count == 0 || !CommittedEntryInCurrentTerm())
        {
            return;
        }

        // Swap the list out: answering may queue new pending requests (it does not today, but stay safe).
        (_readIndexScratch, PendingReadIndexMessages) = (PendingReadIndexMessages, _readIndexScratch);
        foreach (Message m in _readIndexScratch)
        {
            SendReadIndexResponse(m);
        }

        _readIndexScratch.Clear();
    }

    private void HandleAppendResponse(Message m, Progress pr)
    {
        pr.RecentActive = true;
        if (m.Reject)
        {
            // Fast backtracking: the follower's hint (index, term) lets us skip every entry of a term it lacks.
            ulong nextProbe = m.RejectHint;
            if (m.LogTerm > 0)
            {
                nextProbe = RaftLog.FindConflictByTerm(m.RejectHint, m.LogTerm, out _);
            }

            if (pr.MaybeDecrTo(m.Index, nextProbe))
            {
                if (pr.State == ProgressState.Replicate)
                {
                    pr.BecomeProbe();
                }

                SendAppend(m.From);
            }

            return;
        }

        bool oldPaused = pr.IsPaused;
        if (!pr.MaybeUpdate(m.Index) && !(pr.Match == m.Index && pr.State == ProgressState.Probe))
        {
            return;
        }

        switch (pr.State)
        {
            case ProgressState.Probe:
                pr.BecomeReplicate();
                break;
            case ProgressState.Snapshot when pr.Match + 1 >= RaftLog.FirstIndex():
                // The follower caught up past the compaction point (by the snapshot or otherwise).
                pr.BecomeProbe();
                pr.BecomeReplicate();
                break;
            case ProgressState.Replicate:
                pr.Inflights.FreeLE(m.Index);
                break;
        }

        if (MaybeCommit())
        {
            OnCommitAdvanced();
        }
        else if (oldPaused)
        {
            // The follower was throttled and may be waiting: send what we have.
            SendAppend(m.From);
        }

        // Stream more while the window allows (large backlogs, small MaxSizePerMsg).
        while (MaybeSendAppend(m.From, sendIfEmpty: false))
        {
        }

        if (m.From == LeadTransferee && pr.Match == RaftLog.LastIndex())
        {
            // Thesis §3.10: the transferee caught up; tell it to campaign now.
            SendTimeoutNow(m.From);
        }
    }

    private void HandleHeartbeatResponse(Message m, Progress pr)
    {
        pr.RecentActive = true;
        pr.MsgAppFlowPaused = false;
        if (pr.State == ProgressState.Replicate && pr.Inflights.Full)
        {
            // Messages may have been lost: free one slot so replication cannot stall forever.
            pr.Inflights.FreeFirstOne();
        }

        if (pr.Match < RaftLog.LastIndex() || pr.State == ProgressState.Probe)
        {
            SendAppend(m.From);
        }

        if (ReadOnly.Option != ReadOnlyOption.Safe || m.Context.IsEmpty)
        {
            return;
        }

        Dictionary<ulong, bool>? acks = ReadOnly.RecvAck(m.From, m.Context);
        if (acks is null || Tracker.Config.Voters.VoteResult(acks) != VoteResult.Won)
        {
            return;
        }

        _readsDone.Clear();
        ReadOnly.Advance(m.Context, _readsDone);
        foreach (ReadIndexStatus rs in _readsDone)
        {
            RespondToReadIndex(rs.Request, rs.Index);
        }

        _readsDone.Clear();
    }

    private void HandleTransferLeader(Message m, Progress pr)
    {
        if (pr.IsLearner)
        {
            return;
        }

        ulong transferee = m.From;
        if (LeadTransferee != 0)
        {
            if (LeadTransferee == transferee)
            {
                return;
            }

            AbortLeaderTransfer();
        }

        if (transferee == Id)
        {
            return;
        }

        // The transfer must finish within an election timeout.
        ElectionElapsed = 0;
        LeadTransferee = transferee;
        if (pr.Match == RaftLog.LastIndex())
        {
            SendTimeoutNow(transferee);
        }
        else
        {
            SendAppend(transferee);
        }
    }

    private void SendTimeoutNow(ulong to) => Send(new Message { To = to, Type = MessageType.MsgTimeoutNow });

    public void AbortLeaderTransfer() => LeadTransferee = 0;

    /// <summary>Raft §5.3, §5.4.2: commits the highest index replicated on a quorum, if of the current term.</summary>
    public bool MaybeCommit() => RaftLog.MaybeCommit(Tracker.Committed(), Term);

    private void OnCommitAdvanced()
    {
        ReleasePendingReadIndexMessages();
        BroadcastAppend();
    }

    /// <summary>Sends MsgAppend (possibly empty, to propagate the commit index) to every follower.</summary>
    public void BroadcastAppend()
    {
        foreach (ulong id in Tracker.Progress.Ids)
        {
            if (id != Id)
            {
                MaybeSendAppend(id, sendIfEmpty: true);
            }
        }
    }

    public void SendAppend(ulong to) => MaybeSendAppend(to, sendIfEmpty: true);

    /// <summary>
    /// Sends the next MsgAppend to <paramref name="to"/> unless its progress is paused, falling back to a snapshot
    /// when the needed entries are compacted. Returns whether a message was sent.
    /// </summary>
    private bool MaybeSendAppend(ulong to, bool sendIfEmpty)
    {
        Progress? pr = Tracker.Progress.Get(to);
        if (pr is null || pr.IsPaused)
        {
            return false;
        }

        ulong prevIndex = pr.Next - 1;
        StorageStatus termStatus = RaftLog.TryTerm(prevIndex, out ulong prevTerm);
        if (termStatus != StorageStatus.Ok)
        {
            // The entry before Next is compacted: the follower needs a snapshot (Raft §7).
            return MaybeSendSnapshot(to, pr);
        }

        EntrySlice entries = default;
        StorageStatus entriesStatus = StorageStatus.Ok;
        if (pr.State != ProgressState.Replicate || !pr.Inflights.Full)
        {
            entriesStatus = RaftLog.Entries(pr.Next, MaxMsgSize, out entries);
        }

        if (entriesStatus != StorageStatus.Ok)
        {
            return MaybeSendSnapshot(to, pr);
        }

        if (entries.IsEmpty && !sendIfEmpty)
        {
            return false;
        }

        // The entries are a slice of the log (or of the copy arena), held until the Ready carrying this is released.
        Message m = NewMessage(MessageType.MsgAppend, to);
        m.Index = prevIndex;
        m.LogTerm = prevTerm;
        m.Entries = entries;
        m.Commit = RaftLog.Committed;
        Send(m);
        pr.SentEntries(entries.Length);
        return true;
    }

    private bool MaybeSendSnapshot(ulong to, Progress pr)
    {
        if (!pr.RecentActive)
        {
            // Do not generate snapshots for followers that may be down.
            return false;
        }

        Snapshot? snapshot = RaftLog.Snapshot();
        if (snapshot is null)
        {
            // Being generated: try again later.
            return false;
        }

        if (snapshot.IsEmpty)
        {
            throw new InvalidOperationException($"{Id} needs to send a snapshot to {to} but the storage has none");
        }

        pr.BecomeSnapshot(snapshot.Index);
        Send(new Message { To = to, Type = MessageType.MsgSnapshot, Snapshot = snapshot });
        return true;
    }

    /// <summary>Sends heartbeats carrying <paramref name="context"/> (a pending read's context, or empty).</summary>
    private void BroadcastHeartbeat(ReadOnlyMemory<byte> context)
    {
        if (context.IsEmpty)
        {
            context = ReadOnly.LastPendingRequestContext();
        }

        foreach (ulong id in Tracker.Progress.Ids)
        {
            if (id == Id)
            {
                continue;
            }

            Progress pr = Tracker.Progress.Get(id)!;

            // A follower must not commit past what it is known to hold (it may lack the entries).
            Message m = NewMessage(MessageType.MsgHeartbeat, id);
            m.Commit = Math.Min(pr.Match, RaftLog.Committed);
            m.Context = context;
            Send(m);
        }
    }
}
