using System.Collections.Concurrent;
using ManagedKv.Lsm;
using ManagedKv.Raft;

namespace ManagedKv.Node.Store;

/// <summary>
/// Drives one region's Raft group on this store (a minimal PeerFsm, before the batch system): it ticks and steps the
/// <see cref="RawNode"/>, turns each <see cref="Ready"/> into messages (sent at once), a <see cref="WriteTask"/> for the
/// <see cref="StoreWriter"/> (entries, hard state), and — once that task is durable — the persisted messages and the
/// apply of committed entries to the KV engine, whose <see cref="RaftApplyState"/> goes in the same
/// <see cref="WriteBatch"/>. Also log GC: CompactLog proposals on the leader, their apply on every peer, and forced
/// local compaction when the RaftEngine's purge asks for it.
/// </summary>
/// <remarks>
/// Threading: one peer thread at a time (the test harness's loop, or the raft-pool thread holding the batch system's
/// PeerFsm) calls everything except <see cref="OnWriteTaskDone"/>, which the store writer calls and which only queues
/// the task for <see cref="ProcessWriteResults"/> and raises the <c>onWriteDone</c> hook. With an
/// <see cref="IApplyScheduler"/> the committed entries of each durable Ready go to it and Raft hears they are applied
/// only from <see cref="OnApplyResult"/>; without one the peer applies them itself.
/// Readies are reported persisted strictly in order: a Ready with nothing to persist while earlier tasks are in
/// flight waits behind them. Committed entries are applied only after their Ready is durable, so the stored
/// applied index never passes the stored commit index. Conf changes and snapshots are later steps: an
/// <c>EntryConfChangeV2</c> or an incoming snapshot is refused with <see cref="InvalidOperationException"/>.
/// </remarks>
public sealed class Peer : IWriteTaskCallback
{
    private static readonly WriteOptions s_syncWrite = new() { Sync = true };

    private readonly ulong _storeId;
    private readonly StoreEngines _engines;
    private readonly PeerStorage _storage;
    private readonly StoreWriter _writer;
    private readonly IRaftMessageSink _sink;
    private readonly IApplyHandler _applier;
    private readonly Action<Peer>? _onWriteDone;
    private readonly IApplyScheduler? _applyScheduler;
    private readonly RawNode _raw;
    private readonly ConcurrentQueue<WriteTask> _done = new();
    private readonly Queue<(Ready Ready, bool HasTask)> _unpersisted = new(); // handed out, in Ready order
    private readonly Stack<WriteTask> _freeTasks = new();
    private readonly WriteBatch _applyBatch = new();
    private readonly List<ReadState> _readStates = [];
    private int _tasksOutstanding; // submitted, not yet processed by ProcessWriteResults
    private ulong _leaderId;
    private StateRole _role;

    /// <summary>
    /// Creates the peer of <paramref name="storage"/>'s region on store <paramref name="storeId"/> and restarts its
    /// Raft group from what the storage holds. <paramref name="config"/> supplies the timing and flow-control
    /// settings; its Id and Applied are set here. With an <paramref name="applyScheduler"/>, committed entries are
    /// applied elsewhere (the batch system's apply pool) and reported back through <see cref="OnApplyResult"/>;
    /// without one, the peer applies them itself on its thread.
    /// </summary>
    public Peer(ulong storeId, StoreEngines engines, PeerStorage storage, StoreWriter writer, IRaftMessageSink sink,
        IApplyHandler applier, RaftConfig config, Action<Peer>? onWriteDone = null, IApplyScheduler? applyScheduler = null)
    {
        _applyScheduler = applyScheduler;
        ArgumentNullException.ThrowIfNull(config);
        _storeId = storeId;
        _engines = engines ?? throw new ArgumentNullException(nameof(engines));
        _storage = storage ?? throw new ArgumentNullException(nameof(storage));
        _writer = writer ?? throw new ArgumentNullException(nameof(writer));
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        _applier = applier ?? throw new ArgumentNullException(nameof(applier));
        _onWriteDone = onWriteDone;
        PeerId = FindPeerId(storage.Region, storeId);
        config.Id = PeerId;
        config.Applied = storage.AppliedIndex;
        _raw = new RawNode(config, storage);
        if (storage.PendingCompactTo != 0)
        {
            SubmitCompaction();
        }
    }

    /// <summary>The region id.</summary>
    public ulong RegionId => _storage.RegionId;

    /// <summary>This peer's id in the region.</summary>
    public ulong PeerId { get; }

    /// <summary>The peer's storage.</summary>
    public PeerStorage Storage => _storage;

    /// <summary>The Raft group (for status and tests; drive it only through this peer).</summary>
    public RawNode RaftGroup => _raw;

    /// <summary>Whether this peer was leader as of the last Ready.</summary>
    public bool IsLeader => _role == StateRole.Leader;

    /// <summary>The leader's peer id as of the last Ready (0 if unknown).</summary>
    public ulong LeaderId => _leaderId;

    /// <summary>Write tasks submitted and not yet processed.</summary>
    public int TasksOutstanding => Volatile.Read(ref _tasksOutstanding);

    /// <summary>Whether some submitted write task has not come back yet (peer thread only).</summary>
    public bool WritesInFlight => Volatile.Read(ref _tasksOutstanding) != _done.Count;

    /// <summary>Write tasks that came back and wait for <see cref="ProcessWriteResults"/>.</summary>
    public bool HasWriteResults => !_done.IsEmpty;

    /// <summary>Advances logical time by one tick.</summary>
    public void Tick() => _raw.Tick();

    /// <summary>Starts an election.</summary>
    public void Campaign() => _raw.Campaign();

    /// <summary>Steps a message received from another peer of the region.</summary>
    public RaftResult Step(Message message) => _raw.Step(message);

    /// <summary>Proposes a write command (applied by the <see cref="IApplyHandler"/> once committed).</summary>
    public RaftResult ProposeWrite(ReadOnlySpan<byte> command) => _raw.Propose(RaftCommand.EncodeWrite(command));

    /// <summary>Proposes a write command with an entry context (the batch system's proposal id, src/Node/FORMAT.md
    /// "Entry context").</summary>
    public RaftResult ProposeWrite(ReadOnlySpan<byte> command, ReadOnlyMemory<byte> context) =>
        _raw.Propose(RaftCommand.EncodeWrite(command), context);

    /// <summary>
    /// Asks the Raft group for a read index (Raft thesis §6.4) under <paramref name="context"/>; the answer arrives in a
    /// later Ready's read states, gathered in <see cref="ReadStates"/>. Call on the leader only: a follower's request
    /// is forwarded to the leader, and the batch system answers a follower's reads NotLeader instead.
    /// </summary>
    public void ReadIndex(ReadOnlyMemory<byte> context) => _raw.ReadIndex(context);

    /// <summary>The read states of the Readies handled so far (peer thread); the caller takes and clears them.</summary>
    public List<ReadState> ReadStates => _readStates;

    /// <summary>Asks the Raft group to hand leadership to <paramref name="peerId"/>.</summary>
    public void TransferLeader(ulong peerId) => _raw.TransferLeader(peerId);

    /// <summary>
    /// The apply scheduler applied (and wrote, with the apply state, to the KV engine) committed entries up to
    /// <paramref name="state"/>'s applied index: the storage takes the new state, Raft learns the applied index, and a
    /// truncated log is compacted in the RaftEngine. Called on the peer thread, in apply order.
    /// </summary>
    public void OnApplyResult(in RaftApplyState state, bool truncated)
    {
        _storage.OnApplyStateWritten(state);
        _raw.AdvanceApplyTo(state.AppliedIndex);
        if (truncated)
        {
            SubmitCompaction();
        }
    }

    /// <summary>
    /// The leader's raft-log-gc tick (TiKV's on_raft_gc_log_tick): proposes CompactLog at the index every peer has
    /// replicated once at least <paramref name="thresholdEntries"/> entries can go, or at the applied index once the
    /// log holds more than <paramref name="limitEntries"/> (a lagging peer then needs a snapshot). Returns whether it
    /// proposed. Allocates a Raft status (a rare tick).
    /// </summary>
    public bool OnRaftLogGcTick(ulong thresholdEntries, ulong limitEntries)
    {
        if (!IsLeader)
        {
            return false;
        }

        ulong first = _storage.FirstIndex();
        ulong applied = _storage.AppliedIndex;
        if (applied < first)
        {
            return false;
        }

        ulong compact;
        if (applied - first + 1 > limitEntries)
        {
            compact = applied;
        }
        else
        {
            ulong replicated = ulong.MaxValue;
            foreach (Progress p in _raw.Status().Progress.Values)
            {
                replicated = Math.Min(replicated, p.Match);
            }

            compact = Math.Min(replicated, applied);
            if (compact < first || compact - first + 1 < thresholdEntries)
            {
                return false;
            }
        }

        if (_storage.Term(compact, out ulong term) != StorageStatus.Ok)
        {
            return false;
        }

        return _raw.Propose(RaftCommand.EncodeCompactLog(compact, term)) == RaftResult.Ok;
    }

    /// <summary>
    /// Truncates this peer's log at its applied index now, without a proposal (the RaftEngine's purge reported the
    /// region as pinning old files). A lagging peer this leader would have fed from those entries then needs a
    /// snapshot. Returns whether anything was truncated.
    /// </summary>
    public bool ForceCompactLog()
    {
        if (_applyScheduler is not null)
        {
            // The apply FSM owns the apply state: it truncates at its applied index and reports back.
            _applyScheduler.ScheduleForceCompact(this);
            return true;
        }

        if (!_storage.TryTruncatedState(_storage.AppliedIndex, out RaftApplyState state))
        {
            return false;
        }

        _applyBatch.Clear();
        _storage.PutApplyState(_applyBatch, state);
        _engines.KvDb.Write(_applyBatch, s_syncWrite);
        _applyBatch.Clear();
        _storage.OnApplyStateWritten(state);
        SubmitCompaction();
        return true;
    }

    /// <summary>Processes finished write tasks, then takes and handles a Ready if there is one. Returns whether a
    /// Ready was handled.</summary>
    public bool HandleReady()
    {
        ProcessWriteResults();
        if (!_raw.HasReady())
        {
            return false;
        }

        Ready rd = _raw.Ready();
        if (rd.SoftState is SoftState ss)
        {
            _leaderId = ss.Lead;
            _role = ss.RaftState;
        }

        if (rd.ReadStates.Count > 0)
        {
            _readStates.AddRange(rd.ReadStates);
        }

        SendAll(rd.Messages);
        WriteTask task = _freeTasks.Count > 0 ? _freeTasks.Pop() : new WriteTask(RegionId, this);
        if (_storage.PrepareWrite(rd, task))
        {
            _unpersisted.Enqueue((rd, true));
            Interlocked.Increment(ref _tasksOutstanding);
            _writer.Submit(task);
        }
        else
        {
            _freeTasks.Push(task);
            if (_unpersisted.Count == 0)
            {
                Finish(rd);
            }
            else
            {
                _unpersisted.Enqueue((rd, false));
            }
        }

        return true;
    }

    /// <summary>Handles the write tasks that came back: persisted view, persisted messages, apply.</summary>
    /// <exception cref="IOException">A Raft log write failed (the store must stop: the RaftEngine refuses writes
    /// until reopened).</exception>
    public void ProcessWriteResults()
    {
        while (_done.TryDequeue(out WriteTask? task))
        {
            Interlocked.Decrement(ref _tasksOutstanding);
            if (task.Error is Exception error)
            {
                throw new IOException($"Region {RegionId}: Raft log write failed on store {_storeId}", error);
            }

            _storage.OnWritten(task);
            ulong number = task.ReadyNumber;
            task.Reset();
            _freeTasks.Push(task);
            if (number == 0)
            {
                continue; // a compaction
            }

            (Ready head, bool hasTask) = _unpersisted.Dequeue();
            if (!hasTask || head.Number != number)
            {
                throw new InvalidOperationException($"Region {RegionId}: write task of Ready {number} came back, expected Ready {head.Number}");
            }

            Finish(head);
            while (_unpersisted.Count > 0 && !_unpersisted.Peek().HasTask)
            {
                Finish(_unpersisted.Dequeue().Ready);
            }
        }
    }

    /// <inheritdoc/>
    public void OnWriteTaskDone(WriteTask task)
    {
        _done.Enqueue(task);
        _onWriteDone?.Invoke(this);
    }

    // The Ready is durable: send what had to wait for it, apply, report (which may release the Ready).
    private void Finish(Ready rd)
    {
        SendAll(rd.PersistedMessages);
        EntrySlice committed = rd.CommittedEntries;
        ulong lastCommitted = committed.IsEmpty ? 0 : committed[committed.Length - 1].Index;
        if (_applyScheduler is not null)
        {
            // Applied elsewhere; Raft hears of it in OnApplyResult, so the Ready (and the memory the slice views)
            // stays unreleased until then.
            if (!committed.IsEmpty)
            {
                _applyScheduler.ScheduleApply(this, committed);
            }

            _raw.OnPersistReady(rd.Number);
            return;
        }

        if (!committed.IsEmpty)
        {
            Apply(committed);
        }

        _raw.OnPersistReady(rd.Number);
        if (lastCommitted != 0)
        {
            _raw.AdvanceApplyTo(lastCommitted);
        }
    }

    private void Apply(EntrySlice committed)
    {
        RaftApplyState state = _storage.ApplyState;
        ulong regionId = RegionId;
        bool truncated = false;
        _applyBatch.Clear();
        foreach (Entry e in committed)
        {
            truncated |= EntryApplier.Apply(regionId, _applier, e, ref state, _applyBatch);
        }

        if (state == _storage.ApplyState)
        {
            return;
        }

        _storage.PutApplyState(_applyBatch, state);

        // A truncation syncs the KV engine's WAL (and with it every earlier applied write) before the RaftEngine
        // drops the entries, so no power loss can take both the applied data and the log that would redo it.
        _engines.KvDb.Write(_applyBatch, truncated ? s_syncWrite : null);
        _applyBatch.Clear();
        _storage.OnApplyStateWritten(state);
        if (truncated)
        {
            SubmitCompaction();
        }
    }

    private void SubmitCompaction()
    {
        WriteTask task = _freeTasks.Count > 0 ? _freeTasks.Pop() : new WriteTask(RegionId, this);
        _storage.PrepareCompaction(task);
        Interlocked.Increment(ref _tasksOutstanding);
        _writer.Submit(task);
    }

    private void SendAll(List<Message> messages)
    {
        foreach (Message m in messages)
        {
            _sink.Send(RegionId, StoreOf(m.To), m);
        }
    }

    private ulong StoreOf(ulong peerId)
    {
        foreach (Metapb.Peer p in _storage.Region.Peers)
        {
            if (p.Id == peerId)
            {
                return p.StoreId;
            }
        }

        throw new InvalidOperationException($"Region {RegionId}: message to peer {peerId}, which is not in the region");
    }

    private static ulong FindPeerId(Metapb.Region region, ulong storeId)
    {
        foreach (Metapb.Peer p in region.Peers)
        {
            if (p.StoreId == storeId)
            {
                return p.Id;
            }
        }

        throw new ArgumentException($"Region {region.Id} has no peer on store {storeId}", nameof(region));
    }
}
