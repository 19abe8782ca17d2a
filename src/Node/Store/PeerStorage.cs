using System.Diagnostics;
using ManagedKv.Lsm;
using ManagedKv.Raft;
using ManagedKv.RaftEngine;
using Metapb;

namespace ManagedKv.Node.Store;

/// <summary>
/// The <see cref="IRaftStorage"/> of one region's peer on this store (TiKV's PeerStorage): the log lives in the
/// store's <see cref="RaftLogEngine"/> (one engine entry per Raft entry, <see cref="RaftEntryCodec"/>), the hard state
/// and last index in its <see cref="RaftLocalState"/>, the applied and truncated indices in the KV engine's
/// <see cref="RaftApplyState"/>, the region meta in <see cref="RegionLocalState"/>.
/// </summary>
/// <remarks>
/// Threading: every member is called from the one thread that drives the region's <see cref="RawNode"/> (the peer
/// thread). The engines are shared and thread-safe; the store writer thread only sees <see cref="WriteTask"/>s.
/// <para>Two views of the log. The <em>persisted</em> view (<see cref="LastIndex"/>, <see cref="Term"/>,
/// <see cref="Entries"/>) is what the RawNode reads: it moves only when a write task comes back
/// (<see cref="OnWritten"/>), because entries not yet durable are still served by the RawNode's unstable log. The
/// <em>pending</em> view (the hard state and last index as of the newest task handed out) is what each new task's
/// RaftLocalState records, so tasks in flight pipeline without waiting for each other.</para>
/// <para>Log GC: <see cref="FirstIndex"/> is the truncated index + 1 as recorded in the KV engine; the RaftEngine
/// may still hold older entries until the compaction task is written (and after a crash in between: see
/// <see cref="PendingCompactTo"/>).</para>
/// <para><see cref="Snapshot"/>: snapshots by SST ingest are a later step. It returns null ("temporarily
/// unavailable"), so a leader whose follower needs entries below <see cref="FirstIndex"/> keeps waiting, and counts the
/// requests in <see cref="SnapshotRequests"/>; a Ready carrying an incoming snapshot is refused by
/// <see cref="PrepareWrite"/>.</para>
/// </remarks>
public sealed class PeerStorage : IRaftStorage
{
    private readonly StoreEngines _engines;
    private readonly ulong _regionId;
    private readonly List<byte[]> _fetched = [];
    private RegionLocalState _region;
    private ConfState _confState;

    // Persisted view. Invariant: _raftState.LastIndex >= _applyState.TruncatedIndex, and _lastTerm is the term of
    // the entry at _raftState.LastIndex (TruncatedTerm when they are equal).
    private RaftLocalState _raftState;
    private ulong _lastTerm;
    private RaftApplyState _applyState;

    // Pending view: the newest state handed to the store writer. Invariant: _pendingLastIndex is _raftState.LastIndex
    // once every task handed out has come back.
    private HardState _pendingHardState;
    private ulong _pendingLastIndex;
    private int _tasksInFlight;

    private PeerStorage(StoreEngines engines, RegionLocalState region, RaftLocalState raftState, ulong lastTerm, RaftApplyState applyState, ulong pendingCompactTo)
    {
        _engines = engines;
        _regionId = region.Region.Id;
        _region = region;
        _confState = ConfStateFromRegion(region.Region);
        _raftState = raftState;
        _lastTerm = lastTerm;
        _applyState = applyState;
        _pendingHardState = raftState.HardState;
        _pendingLastIndex = raftState.LastIndex;
        PendingCompactTo = pendingCompactTo;
    }

    /// <summary>The region id (= RaftEngine region id).</summary>
    public ulong RegionId => _regionId;

    /// <summary>The region meta and peer state as stored.</summary>
    public RegionLocalState RegionState => _region;

    /// <summary>The region meta.</summary>
    public Region Region => _region.Region;

    /// <summary>The persisted hard state and last index.</summary>
    public RaftLocalState RaftState => _raftState;

    /// <summary>The apply state as last written to the KV engine.</summary>
    public RaftApplyState ApplyState => _applyState;

    /// <summary>The applied index.</summary>
    public ulong AppliedIndex => _applyState.AppliedIndex;

    /// <summary>The term of the last persisted entry (no I/O).</summary>
    public ulong LastTerm => _lastTerm;

    /// <summary>Write tasks handed out and not yet back.</summary>
    public int TasksInFlight => _tasksInFlight;

    /// <summary>Non-zero when the RaftEngine still holds entries below the truncated index (a crash came between the
    /// apply-state write and the compaction): the index to compact to.</summary>
    public ulong PendingCompactTo { get; private set; }

    /// <summary>How many times the RawNode asked for a snapshot (answered null: a later step).</summary>
    public long SnapshotRequests { get; private set; }

    /// <summary>Bytes this object holds beyond its fixed fields (the fetch scratch list; entries read are handed to
    /// the RawNode and not kept).</summary>
    public long MemoryBytes => _fetched.Capacity * 8L;

    /// <summary>
    /// Writes the initial state of a region created on this store at bootstrap: an empty log truncated at
    /// (<c>5</c>, <c>5</c>), hard state (term 5, commit 5), applied index 5, and <paramref name="region"/> as its meta —
    /// TiKV's bootstrap, so that every peer of the region starts identical and can elect a leader. Both writes sync.
    /// </summary>
    /// <exception cref="InvalidOperationException">The region already exists on this store.</exception>
    public static void BootstrapRegion(StoreEngines engines, Region region)
    {
        ArgumentNullException.ThrowIfNull(engines);
        ArgumentNullException.ThrowIfNull(region);
        Span<byte> key = stackalloc byte[StateFormat.RegionKeyLength];
        StoreKeys.RegionStateKey(region.Id, key);
        if (engines.KvDb.Get(engines.RaftCf, key) is not null || engines.RaftEngine.GetState(region.Id, [StateFormat.RaftLocalStateKey]) is not null)
        {
            throw new InvalidOperationException($"Region {region.Id} is already on the store at {engines.Directory}");
        }

        const ulong Index = StateFormat.InitialLogIndex;
        const ulong Term = StateFormat.InitialLogTerm;
        var batch = new LogBatch();
        Span<byte> value = stackalloc byte[StateFormat.MaxRaftApplyStateLength];
        int n = StateCodec.EncodeRaftLocalState(new RaftLocalState(new HardState(Term, 0, Index), Index), value);
        batch.PutState(region.Id, [StateFormat.RaftLocalStateKey], value[..n]);
        engines.RaftEngine.Write(batch, sync: true);

        var kv = new WriteBatch();
        kv.Put(engines.RaftCf, key, StateCodec.EncodeRegionLocalState(new RegionLocalState(PeerState.Normal, region)));
        StoreKeys.ApplyStateKey(region.Id, key);
        n = StateCodec.EncodeRaftApplyState(new RaftApplyState(Index, Index, Term, Index, Term), value);
        kv.Put(engines.RaftCf, key, value[..n]);
        engines.KvDb.Write(kv, new WriteOptions { Sync = true });
    }

    /// <summary>
    /// Loads the peer storage of <paramref name="regionId"/> from the store's engines and checks that its records
    /// agree: applied &lt;= commit &lt;= last index, truncated &lt;= applied, the RaftEngine's last index equals the
    /// recorded one and its first entry is at most truncated + 1.
    /// </summary>
    /// <exception cref="StoreCorruptionException">A record is malformed or the records disagree.</exception>
    /// <exception cref="InvalidOperationException">The region has no state on this store.</exception>
    public static PeerStorage Open(StoreEngines engines, ulong regionId)
    {
        ArgumentNullException.ThrowIfNull(engines);
        Span<byte> key = stackalloc byte[StateFormat.RegionKeyLength];
        StoreKeys.RegionStateKey(regionId, key);
        byte[] regionValue = engines.KvDb.Get(engines.RaftCf, key)
            ?? throw new InvalidOperationException($"Region {regionId} has no RegionLocalState on the store at {engines.Directory}");
        RegionLocalState region = StateCodec.DecodeRegionLocalState(regionId, regionValue);

        StoreKeys.ApplyStateKey(regionId, key);
        byte[] applyValue = engines.KvDb.Get(engines.RaftCf, key)
            ?? throw new StoreCorruptionException(regionId, "RaftApplyState", -1, "missing while RegionLocalState exists");
        RaftApplyState apply = StateCodec.DecodeRaftApplyState(regionId, applyValue);

        RaftLogEngine raft = engines.RaftEngine;
        byte[] raftValue = raft.GetState(regionId, [StateFormat.RaftLocalStateKey])
            ?? throw new StoreCorruptionException(regionId, "RaftLocalState", -1, "missing while RegionLocalState exists");
        RaftLocalState raftState = StateCodec.DecodeRaftLocalState(regionId, raftValue);

        ulong last = raftState.LastIndex;
        if (apply.TruncatedIndex > apply.AppliedIndex || apply.AppliedIndex > raftState.HardState.Commit || raftState.HardState.Commit > last)
        {
            throw new StoreCorruptionException(regionId, "RaftLocalState", -1,
                $"truncated {apply.TruncatedIndex} <= applied {apply.AppliedIndex} <= commit {raftState.HardState.Commit} <= last {last} does not hold");
        }

        ulong? engineFirst = raft.FirstIndex(regionId);
        ulong? engineLast = raft.LastIndex(regionId);
        ulong lastTerm;
        ulong pendingCompact = 0;
        if (last == apply.TruncatedIndex)
        {
            lastTerm = apply.TruncatedTerm;
            if (engineLast is ulong el && el > last)
            {
                throw new StoreCorruptionException(regionId, "RaftLocalState", -1, $"RaftEngine holds entries up to {el}, past the recorded last index {last}");
            }

            if (engineFirst is not null)
            {
                pendingCompact = last + 1;
            }
        }
        else
        {
            if (engineLast != last || engineFirst is null || engineFirst.Value > apply.TruncatedIndex + 1)
            {
                throw new StoreCorruptionException(regionId, "RaftLocalState", -1,
                    $"RaftEngine holds [{engineFirst}, {engineLast}], the states say ({apply.TruncatedIndex}, {last}]");
            }

            byte[] entry = raft.GetEntry(regionId, last)!;
            lastTerm = RaftEntryCodec.DecodeTerm(regionId, last, entry);
            if (engineFirst.Value <= apply.TruncatedIndex)
            {
                pendingCompact = apply.TruncatedIndex + 1;
            }
        }

        return new PeerStorage(engines, region, raftState, lastTerm, apply, pendingCompact);
    }

    /// <summary>The Raft configuration a region's peers imply (TiKV's conf_state_from_region): Voter and IncomingVoter
    /// vote in the incoming configuration, Voter and DemotingVoter in the outgoing one while joint, Learner learns,
    /// DemotingVoter becomes a learner on leaving the joint state.</summary>
    public static ConfState ConfStateFromRegion(Region region)
    {
        ArgumentNullException.ThrowIfNull(region);
        var voters = new List<ulong>();
        var learners = new List<ulong>();
        var outgoing = new List<ulong>();
        var learnersNext = new List<ulong>();
        bool joint = false;
        foreach (Metapb.Peer p in region.Peers)
        {
            switch (p.Role)
            {
                case PeerRole.IncomingVoter:
                    joint = true;
                    voters.Add(p.Id);
                    break;
                case PeerRole.Voter:
                    voters.Add(p.Id);
                    outgoing.Add(p.Id);
                    break;
                case PeerRole.Learner:
                    learners.Add(p.Id);
                    break;
                case PeerRole.DemotingVoter:
                    joint = true;
                    outgoing.Add(p.Id);
                    learnersNext.Add(p.Id);
                    break;
                default:
                    throw new StoreCorruptionException(region.Id, "RegionLocalState", -1, $"peer {p.Id} has unknown role {p.Role}");
            }
        }

        return new ConfState([.. voters], [.. learners], joint ? [.. outgoing] : [], [.. learnersNext], false);
    }

    /// <inheritdoc/>
    public RaftState InitialState() => new(_raftState.HardState, _confState);

    /// <inheritdoc/>
    public StorageStatus Entries(ulong lo, ulong hi, ulong maxSize, List<Entry> output)
    {
        if (lo <= _applyState.TruncatedIndex)
        {
            return StorageStatus.Compacted;
        }

        if (hi > _raftState.LastIndex + 1)
        {
            return StorageStatus.Unavailable;
        }

        if (lo >= hi)
        {
            return StorageStatus.Ok;
        }

        // The engine bounds the fetch by encoded size, which never exceeds Entry.SizeBytes: it returns a superset
        // of what the Raft contract allows, trimmed below by SizeBytes.
        _fetched.Clear();
        _engines.RaftEngine.FetchEntries(_regionId, lo, hi, maxSize > long.MaxValue ? long.MaxValue : (long)maxSize, _fetched);
        long size = 0;
        ulong index = lo;
        for (int i = 0; i < _fetched.Count; i++, index++)
        {
            Entry e = RaftEntryCodec.Decode(_regionId, index, _fetched[i]);
            size += e.SizeBytes;
            if (i > 0 && (ulong)size > maxSize)
            {
                break;
            }

            output.Add(e);
        }

        _fetched.Clear();
        return StorageStatus.Ok;
    }

    /// <inheritdoc/>
    public StorageStatus Term(ulong index, out ulong term)
    {
        term = 0;
        if (index == _applyState.TruncatedIndex)
        {
            term = _applyState.TruncatedTerm;
            return StorageStatus.Ok;
        }

        if (index < _applyState.TruncatedIndex)
        {
            return StorageStatus.Compacted;
        }

        if (index > _raftState.LastIndex)
        {
            return StorageStatus.Unavailable;
        }

        if (index == _raftState.LastIndex)
        {
            term = _lastTerm;
            return StorageStatus.Ok;
        }

        byte[] value = _engines.RaftEngine.GetEntry(_regionId, index)
            ?? throw new InvalidOperationException($"Region {_regionId}: entry {index} is missing from the RaftEngine, log ({_applyState.TruncatedIndex}, {_raftState.LastIndex}]");
        term = RaftEntryCodec.DecodeTerm(_regionId, index, value);
        return StorageStatus.Ok;
    }

    /// <inheritdoc/>
    public ulong FirstIndex() => _applyState.TruncatedIndex + 1;

    /// <inheritdoc/>
    public ulong LastIndex() => _raftState.LastIndex;

    /// <inheritdoc/>
    public Raft.Snapshot? Snapshot()
    {
        SnapshotRequests++;
        return null;
    }

    /// <summary>
    /// Fills <paramref name="task"/> with the persistence work of <paramref name="rd"/>: its entries and, when the
    /// hard state or last index change, the new <see cref="RaftLocalState"/>. Advances the pending view. Returns
    /// false (task untouched) when the Ready has nothing to persist.
    /// </summary>
    /// <exception cref="InvalidOperationException">The Ready carries a snapshot (a later step), or entries that
    /// leave a gap in the log.</exception>
    public bool PrepareWrite(Ready rd, WriteTask task)
    {
        ArgumentNullException.ThrowIfNull(rd);
        if (rd.Snapshot is not null)
        {
            throw new InvalidOperationException($"Region {_regionId}: received snapshot {rd.Snapshot.Term}/{rd.Snapshot.Index}; applying snapshots is not supported by this store version");
        }

        return PrepareWrite(rd.Number, rd.Entries, rd.HardState, task);
    }

    /// <summary>
    /// <see cref="PrepareWrite(Ready, WriteTask)"/> from its parts: the Ready number, the entries to append and the
    /// hard state if it changed.
    /// </summary>
    public bool PrepareWrite(ulong readyNumber, EntrySlice entries, HardState? hardState, WriteTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        bool changed = false;
        if (!entries.IsEmpty)
        {
            ulong first = entries[0].Index;
            if (first > _pendingLastIndex + 1 || first <= _applyState.TruncatedIndex)
            {
                throw new InvalidOperationException($"Region {_regionId}: appending at {first} to a log ({_applyState.TruncatedIndex}, {_pendingLastIndex}]");
            }

            // The RaftEngine replaces the suffix at and above `first`, so the last index is exactly the last new entry.
            _pendingLastIndex = entries[entries.Length - 1].Index;
            changed = true;
        }

        if (hardState is HardState hs && hs != _pendingHardState)
        {
            _pendingHardState = hs;
            changed = true;
        }

        if (!changed)
        {
            return false;
        }

        task.ReadyNumber = readyNumber;
        task.Entries = entries;
        task.HasRaftState = true;
        task.RaftState = new RaftLocalState(_pendingHardState, _pendingLastIndex);
        _tasksInFlight++;
        return true;
    }

    /// <summary>
    /// Records that <paramref name="task"/> (from <see cref="PrepareWrite"/> or <see cref="PrepareCompaction"/>) is
    /// durable: the persisted view now includes it.
    /// </summary>
    public void OnWritten(WriteTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        Debug.Assert(_tasksInFlight > 0, "a task came back that was not handed out");
        _tasksInFlight--;
        if (task.CompactTo != 0 && task.CompactTo == PendingCompactTo)
        {
            PendingCompactTo = 0;
        }

        if (!task.HasRaftState)
        {
            return;
        }

        EntrySlice entries = task.Entries;
        if (!entries.IsEmpty)
        {
            _lastTerm = entries[entries.Length - 1].Term;
        }

        _raftState = task.RaftState;
    }

    /// <summary>Puts <paramref name="state"/> into <paramref name="batch"/> (the batch that carries the applied data);
    /// call <see cref="OnApplyStateWritten"/> once the batch is written.</summary>
    public void PutApplyState(WriteBatch batch, in RaftApplyState state)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Span<byte> key = stackalloc byte[StateFormat.RegionKeyLength];
        Span<byte> value = stackalloc byte[StateFormat.MaxRaftApplyStateLength];
        StoreKeys.ApplyStateKey(_regionId, key);
        int n = StateCodec.EncodeRaftApplyState(state, value);
        batch.Put(_engines.RaftCf, key, value[..n]);
    }

    /// <summary>Makes <paramref name="state"/> (written to the KV engine) the current apply state. A larger truncated
    /// index takes effect at once: <see cref="FirstIndex"/> moves and older entries read as compacted.</summary>
    /// <exception cref="InvalidOperationException">The applied or truncated index would go backwards or pass the log.</exception>
    public void OnApplyStateWritten(in RaftApplyState state)
    {
        if (state.AppliedIndex < _applyState.AppliedIndex || state.TruncatedIndex < _applyState.TruncatedIndex
            || state.TruncatedIndex > state.AppliedIndex || state.AppliedIndex > _raftState.LastIndex)
        {
            throw new InvalidOperationException(
                $"Region {_regionId}: apply state {state} after {_applyState} with last index {_raftState.LastIndex}");
        }

        _applyState = state;
    }

    /// <summary>
    /// The apply state after truncating the log at <paramref name="compactIndex"/>, or false if there is nothing to
    /// do (at or below the truncated index) or it is not allowed (above the applied index, or the term is unknown).
    /// </summary>
    public bool TryTruncatedState(ulong compactIndex, out RaftApplyState state)
    {
        state = _applyState;
        if (compactIndex <= _applyState.TruncatedIndex || compactIndex > _applyState.AppliedIndex)
        {
            return false;
        }

        if (Term(compactIndex, out ulong term) != StorageStatus.Ok)
        {
            return false;
        }

        state = _applyState with { TruncatedIndex = compactIndex, TruncatedTerm = term };
        return true;
    }

    /// <summary>Fills <paramref name="task"/> with the RaftEngine side of log GC: drop the entries at or below the
    /// truncated index. Call after the truncated apply state is written (synced) to the KV engine.</summary>
    public void PrepareCompaction(WriteTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        task.CompactTo = _applyState.TruncatedIndex + 1;
        _tasksInFlight++;
    }

    /// <summary>Replaces the region meta (written by the caller in <paramref name="batch"/>).</summary>
    public void PutRegionState(WriteBatch batch, RegionLocalState state)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(state);
        if (state.Region.Id != _regionId)
        {
            throw new ArgumentException($"Region state of {state.Region.Id} given to the storage of {_regionId}", nameof(state));
        }

        Span<byte> key = stackalloc byte[StateFormat.RegionKeyLength];
        StoreKeys.RegionStateKey(_regionId, key);
        batch.Put(_engines.RaftCf, key, StateCodec.EncodeRegionLocalState(state));
        _region = state;
        _confState = ConfStateFromRegion(state.Region);
    }
}
