using System.Collections.Concurrent;
using ManagedKv.Lsm;
using ManagedKv.Node.Store;
using ManagedKv.Raft;

namespace ManagedKv.Node.Batch;

/// <summary>
/// One region's apply state machine (TiKV's ApplyFsm): takes the committed entries of durable Readies from its peer,
/// in order, applies them with the region's <see cref="RaftApplyState"/> into the apply thread's shared
/// <see cref="WriteBatch"/> (one Lsm write for all regions of the round), and, once that write is done, completes the
/// matching proposals and posts the new state to the peer's mailbox.
/// </summary>
/// <remarks>
/// Threading: <see cref="Schedule"/>/<see cref="AddProposal"/> from the peer's thread; the rest on the one apply-pool
/// thread holding the FSM. The apply state here runs ahead of the peer's copy (<see cref="PeerStorage.ApplyState"/>)
/// until the result arrives there; the peer never writes the apply state itself in this mode (forced truncations
/// come here too), so the two never race. Ordering with persistence: the peer schedules entries only after the Ready
/// carrying them is durable (step 1's rule), so the stored applied index never passes the stored log.
/// Proposal matching: proposals queue in proposal order; an applied entry with context id X and term T completes the
/// head if it is (X, T), and fails as stale every head proposed in a term older than T (its entry was replaced:
/// Raft §5.3 — a term-T entry follows every surviving entry of older terms).
/// </remarks>
public sealed class ApplyFsm : Fsm
{
    private readonly ConcurrentQueue<ApplyTask> _tasks = new();
    private readonly ConcurrentQueue<Proposal> _proposals = new();
    private readonly PeerStorage _storage;
    private readonly IApplyHandler _applier;
    private readonly Router _router;
    private readonly BatchSystemOptions _options;
    private RaftApplyState _state;
    private ulong _publishedApplied;

    internal ApplyFsm(PeerStorage storage, IApplyHandler applier, Router router, BatchSystemOptions options)
    {
        _storage = storage;
        _applier = applier;
        _router = router;
        _options = options;
        _state = storage.ApplyState;
        _publishedApplied = _state.AppliedIndex;
    }

    /// <summary>The region id.</summary>
    public ulong RegionId => _storage.RegionId;

    /// <summary>The applied index written to the KV engine (any thread).</summary>
    public ulong AppliedIndex => Volatile.Read(ref _publishedApplied);

    internal override bool HasPending => !_tasks.IsEmpty;

    /// <summary>Proposals waiting for their entry.</summary>
    internal int PendingProposals => _proposals.Count;

    internal void AddProposal(Proposal proposal)
    {
        _router.OnProposalPending();
        _proposals.Enqueue(proposal);
    }

    internal void Enqueue(in ApplyTask task)
    {
        _router.OnApplyQueued(task.Bytes);
        _tasks.Enqueue(task);
    }

    /// <summary>
    /// Applies up to the per-round bound of tasks into <paramref name="batch"/>. Returns whether more wait; adds a
    /// result to <paramref name="round"/> if the state moved.
    /// </summary>
    internal bool Handle(WriteBatch batch, ApplyRound round)
    {
        int limit = _options.ApplyTasksPerRound;
        int n = 0;
        RaftApplyState start = _state;
        bool truncated = false;
        while (n < limit && _tasks.TryDequeue(out ApplyTask task))
        {
            n++;
            _router.OnApplyDequeued(task.Bytes);
            if (task.ForceCompact)
            {
                if (_state.AppliedIndex > _state.TruncatedIndex && _state.CommitIndex == _state.AppliedIndex)
                {
                    _state = _state with { TruncatedIndex = _state.AppliedIndex, TruncatedTerm = _state.CommitTerm };
                    truncated = true;
                }

                continue;
            }

            foreach (Entry e in task.Entries)
            {
                if (e.Index <= _state.AppliedIndex)
                {
                    continue;
                }

                truncated |= EntryApplier.Apply(RegionId, _applier, e, ref _state, batch);
                MatchProposals(e, round);
            }
        }

        if (_state != start)
        {
            _storage.PutApplyState(batch, _state);
            round.Results.Add((this, _state, truncated));
            round.Sync |= truncated;
        }

        return n == limit && !_tasks.IsEmpty;
    }

    /// <summary>The round's write is done: publish and report.</summary>
    internal void OnWritten(in RaftApplyState state, bool truncated)
    {
        Volatile.Write(ref _publishedApplied, state.AppliedIndex);
        _router.PostApplyResult(RegionId, state, truncated);
    }

    /// <summary>Fails every waiting proposal (the store stopped).</summary>
    internal void FailPending()
    {
        while (_proposals.TryDequeue(out Proposal? p))
        {
            _router.OnProposalDone();
            _router.FailStopped(p);
        }
    }

    private void MatchProposals(in Entry e, ApplyRound round)
    {
        ulong id = ProposalContext.Decode(e.Context.Span);
        while (_proposals.TryPeek(out Proposal? p))
        {
            if (id != 0 && p.Id == id && p.Term == e.Term)
            {
                _proposals.TryDequeue(out _);
                round.Completions.Add((p, new ProposeResult(ProposeError.None, RegionId, e.Index, e.Term, null)));
                return;
            }

            if (p.Term >= e.Term)
            {
                return;
            }

            _proposals.TryDequeue(out _);
            round.Completions.Add((p, new ProposeResult(ProposeError.StaleCommand, RegionId, 0, e.Term, null)));
        }
    }
}
