namespace ManagedKv.Raft;

/// <summary>
/// The application's handle on one Raft group member (raft-rs's RawNode): feed it ticks, messages and
/// proposals; take a <see cref="Raft.Ready"/> when <see cref="HasReady"/>; persist, send and apply; report back
/// with <see cref="OnPersistReady"/> / <see cref="AdvanceApplyTo"/> (or <see cref="Advance"/> to do both).
/// Deterministic and single-threaded: all calls come from one thread; parallelism across groups belongs to
/// the caller. Steady replication allocates nothing beyond the payloads: entries travel as <see cref="EntrySlice"/>
/// views of pooled log chunks, and Readies and hot-path messages are recycled (in a per-thread pool shared by the
/// groups that thread drives) once a Ready is released — see <see cref="Raft.Ready"/> for what that asks of the
/// application.
/// </summary>
public sealed class RawNode
{
    /// <summary>Released Readies kept for reuse, per thread (a few MiB at most).</summary>
    private const int MaxFreeReadies = 1 << 14;

    /// <summary>Released Readies, shared by the nodes a thread drives (like <see cref="MessagePool"/>: the next group
    /// reuses a Ready still in cache).</summary>
    [ThreadStatic]
    private static Stack<Ready>? t_freeReadies;

    private readonly RaftCore _raft;
    private readonly Queue<Ready> _unpersisted = new(); // handed out, not yet reported persisted, by number
    private readonly Queue<Ready> _unapplied = new(); // persisted, committed entries not yet reported applied
    private Entry[] _proposeScratch = [];
    private SoftState _prevSoftState;
    private HardState _prevHardState;

    /// <summary>Creates (or restarts, from what <paramref name="storage"/> holds) a node.</summary>
    /// <exception cref="ArgumentException">The configuration is invalid.</exception>
    public RawNode(RaftConfig config, IRaftStorage storage)
    {
        _raft = new RaftCore(config, storage);
        _prevSoftState = _raft.SoftState;
        _prevHardState = _raft.HardState;
    }

    internal RaftCore Raft => _raft;

    /// <summary>This node's id.</summary>
    public ulong Id => _raft.Id;

    /// <summary>Advances logical time by one tick (election and heartbeat timeouts).</summary>
    public void Tick() => _raft.Tick();

    /// <summary>Starts an election now (with a pre-vote phase if enabled).</summary>
    public void Campaign() => _raft.Step(new Message { Type = MessageType.MsgHup, From = _raft.Id });

    /// <summary>Proposes a command to be appended to the log. Forwarded to the leader by followers.</summary>
    public RaftResult Propose(ReadOnlyMemory<byte> data, ReadOnlyMemory<byte> context = default)
    {
        var entry = new Entry(0, 0, EntryType.EntryNormal, data, context);
        return _raft.Propose(new ReadOnlySpan<Entry>(in entry));
    }

    /// <summary>Proposes several commands in one message (one replication round for the batch).</summary>
    public RaftResult ProposeBatch(ReadOnlySpan<ReadOnlyMemory<byte>> payloads)
    {
        if (payloads.IsEmpty)
        {
            return RaftResult.Ok;
        }

        if (_proposeScratch.Length < payloads.Length)
        {
            _proposeScratch = new Entry[Math.Max(payloads.Length, _proposeScratch.Length * 2)];
        }

        Span<Entry> entries = _proposeScratch.AsSpan(0, payloads.Length);
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = new Entry(0, 0, EntryType.EntryNormal, payloads[i]);
        }

        try
        {
            return _raft.Propose(entries);
        }
        finally
        {
            // The log holds its own copies; do not keep the payloads alive from here.
            entries.Clear();
        }
    }

    /// <summary>Proposes a membership change. It takes effect when the application applies the committed entry
    /// and calls <see cref="ApplyConfChange"/>.</summary>
    public RaftResult ProposeConfChange(ConfChangeV2 cc, ReadOnlyMemory<byte> context = default)
    {
        var entry = new Entry(0, 0, EntryType.EntryConfChangeV2, cc.Encode(), context);
        return _raft.Propose(new ReadOnlySpan<Entry>(in entry));
    }

    /// <summary>Steps a message received from a peer.</summary>
    public RaftResult Step(Message m)
    {
        if (IsLocal(m.Type))
        {
            return RaftResult.StepLocalMessage;
        }

        if (IsResponse(m.Type) && _raft.Tracker.Progress.Get(m.From) is null)
        {
            return RaftResult.StepPeerNotFound;
        }

        return _raft.Step(m);
    }

    /// <summary>Requests a linearizable read; the answer arrives as a <see cref="ReadState"/> carrying
    /// <paramref name="context"/> (which should be unique per request).</summary>
    public void ReadIndex(ReadOnlyMemory<byte> context) =>
        _raft.Step(new Message { Type = MessageType.MsgReadIndex, From = _raft.Id, Context = context });

    /// <summary>Asks the leader to transfer leadership to <paramref name="transferee"/>.</summary>
    public void TransferLeader(ulong transferee) =>
        _raft.Step(new Message { Type = MessageType.MsgTransferLeader, From = transferee });

    /// <summary>Reports that <paramref name="id"/> could not be reached by the last message sent to it.</summary>
    public void ReportUnreachable(ulong id) => _raft.Step(new Message { Type = MessageType.MsgUnreachable, From = id });

    /// <summary>Reports the outcome of sending a snapshot to <paramref name="id"/>.</summary>
    public void ReportSnapshot(ulong id, SnapshotStatus status) =>
        _raft.Step(new Message { Type = MessageType.MsgSnapStatus, From = id, Reject = status == SnapshotStatus.Failure });

    /// <summary>Applies a committed configuration change and returns the new configuration (to be saved with the
    /// applied state).</summary>
    /// <exception cref="ArgumentException">The change is invalid for the current configuration.</exception>
    public ConfState ApplyConfChange(ConfChangeV2 cc) => _raft.ApplyConfChange(cc);

    /// <summary>Whether a <see cref="Ready"/> has anything to do.</summary>
    public bool HasReady()
    {
        RaftCore r = _raft;
        if (r.SoftState != _prevSoftState)
        {
            return true;
        }

        HardState hs = r.HardState;
        if (!hs.IsEmpty && hs != _prevHardState)
        {
            return true;
        }

        return r.RaftLog.HasNextUnstableSnapshot
            || r.Msgs.Count > 0
            || r.PersistedMsgs.Count > 0
            || r.RaftLog.Unstable.HasNextEntries
            || r.RaftLog.HasNextCommittedEntries()
            || r.ReadStates.Count > 0;
    }

    /// <summary>Takes the pending work. Everything returned is considered in progress: the next Ready holds only
    /// newer work. The Ready is reused once released (see <see cref="Raft.Ready"/>).</summary>
    public Ready Ready()
    {
        RaftCore r = _raft;
        EntryChunkPool pool = r.RaftLog.Pool;
        Stack<Ready> free = t_freeReadies ??= new Stack<Ready>();
        Ready rd = free.Count > 0 ? free.Pop() : new Ready();
        rd.Number = pool.NextReady;

        SoftState ss = r.SoftState;
        if (ss != _prevSoftState)
        {
            rd.SoftState = ss;
            _prevSoftState = ss;
        }

        HardState hs = r.HardState;
        if (hs != _prevHardState)
        {
            rd.HardState = hs;
            rd.MustSync |= hs.Term != _prevHardState.Term || hs.Vote != _prevHardState.Vote;
            _prevHardState = hs;
        }

        Snapshot? snapshot = r.RaftLog.NextUnstableSnapshot();
        if (snapshot is not null)
        {
            rd.Snapshot = snapshot;
            rd.SnapshotIndex = snapshot.Index;
            rd.MustSync = true;
        }

        rd.Entries = r.RaftLog.Unstable.NextEntries();
        if (rd.Entries.Length > 0)
        {
            Entry last = rd.Entries[rd.Entries.Length - 1];
            rd.LastIndex = last.Index;
            rd.LastTerm = last.Term;
            rd.MustSync = true;
        }

        rd.CommittedEntries = r.RaftLog.NextCommittedEntries();
        if (rd.CommittedEntries.Length > 0)
        {
            rd.LastCommittedIndex = rd.CommittedEntries[rd.CommittedEntries.Length - 1].Index;
            r.RaftLog.AcceptApplying(rd.LastCommittedIndex);
        }

        if (r.Msgs.Count > 0)
        {
            rd.Messages.AddRange(r.Msgs);
            r.Msgs.Clear();
        }

        if (r.PersistedMsgs.Count > 0)
        {
            rd.PersistedMessages.AddRange(r.PersistedMsgs);
            r.PersistedMsgs.Clear();
        }

        if (r.ReadStates.Count > 0)
        {
            rd.ReadStateList.AddRange(r.ReadStates);
            r.ReadStates.Clear();
        }

        r.RaftLog.Unstable.AcceptInProgress();

        // Whatever the node hands out from now on travels in the next Ready.
        pool.NextReady = rd.Number + 1;
        _unpersisted.Enqueue(rd);
        return rd;
    }

    /// <summary>
    /// Reports that the Ready numbered <paramref name="number"/> (and every earlier one) is persisted. May make
    /// committed entries appliable and, on the leader, advance the commit index.
    /// </summary>
    public void OnPersistReady(ulong number)
    {
        ulong snapshotIndex = 0;
        ulong lastIndex = 0;
        ulong lastTerm = 0;
        while (_unpersisted.Count > 0 && _unpersisted.Peek().Number <= number)
        {
            Ready rd = _unpersisted.Dequeue();
            if (rd.SnapshotIndex != 0)
            {
                snapshotIndex = rd.SnapshotIndex;
            }

            if (rd.LastIndex != 0)
            {
                lastIndex = rd.LastIndex;
                lastTerm = rd.LastTerm;
            }

            _unapplied.Enqueue(rd);
        }

        if (snapshotIndex != 0)
        {
            _raft.OnPersistSnapshot(snapshotIndex);
        }

        if (lastIndex != 0)
        {
            _raft.OnPersistEntries(lastIndex, lastTerm);
        }

        ReleaseReadies();
    }

    /// <summary>Reports that <paramref name="rd"/> was persisted (its entries, snapshot and hard state).</summary>
    public void AdvanceAppend(Ready rd) => OnPersistReady(rd.Number);

    /// <summary>Reports that the application applied committed entries up to <paramref name="applied"/>.</summary>
    public void AdvanceApplyTo(ulong applied)
    {
        _raft.AppliedTo(applied);
        ReleaseReadies();
    }

    /// <summary>Reports that <paramref name="rd"/> was persisted and its committed entries applied.</summary>
    public void Advance(Ready rd)
    {
        ulong lastCommitted = rd.LastCommittedIndex;
        OnPersistReady(rd.Number);
        if (lastCommitted > 0)
        {
            AdvanceApplyTo(lastCommitted);
        }
    }

    /// <summary>A snapshot of the node's state.</summary>
    public Status Status()
    {
        RaftCore r = _raft;
        var progress = new Dictionary<ulong, Progress>();
        if (r.State == StateRole.Leader)
        {
            foreach (ulong id in r.Tracker.Progress.Ids)
            {
                progress[id] = r.Tracker.Progress.Get(id)!.Clone();
            }
        }

        return new Status(r.Id, r.HardState, r.SoftState, r.RaftLog.Applied, r.LeadTransferee, progress, r.Tracker.ConfState());
    }

    private static bool IsLocal(MessageType t) =>
        t is MessageType.MsgHup or MessageType.MsgBeat or MessageType.MsgUnreachable
            or MessageType.MsgSnapStatus or MessageType.MsgCheckQuorum;

    private static bool IsResponse(MessageType t) =>
        t is MessageType.MsgAppendResponse or MessageType.MsgRequestVoteResponse or MessageType.MsgHeartbeatResponse
            or MessageType.MsgRequestPreVoteResponse;

    /// <summary>Recycles, in order, every persisted Ready whose committed entries are applied: its messages go back
    /// to their pool and the entry memory it viewed becomes reusable.</summary>
    private void ReleaseReadies()
    {
        ulong applied = _raft.RaftLog.Applied;
        MessagePool messages = MessagePool.Current;
        ulong released = 0;
        while (_unapplied.Count > 0 && _unapplied.Peek().LastCommittedIndex <= applied)
        {
            Ready rd = _unapplied.Dequeue();
            released = rd.Number;
            foreach (Message m in rd.Messages)
            {
                messages.Return(m);
            }

            foreach (Message m in rd.PersistedMessages)
            {
                messages.Return(m);
            }

            rd.Reset();
            Stack<Ready> free = t_freeReadies ??= new Stack<Ready>();
            if (free.Count < MaxFreeReadies)
            {
                free.Push(rd);
            }
        }

        if (released != 0)
        {
            _raft.RaftLog.Pool.Release(released);
        }
    }
}
