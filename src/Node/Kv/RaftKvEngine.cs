using Google.Protobuf;
using ManagedKv.Lsm;
using ManagedKv.Node.Batch;
using ManagedKv.Txn;

namespace ManagedKv.Node.Kv;

/// <summary>
/// The Txn layer's engine over Raft (TiKV's RaftKv), one per store under one <see cref="TxnStorage"/> and one
/// <see cref="RawStore"/>: the region of each call comes from the ambient <see cref="RaftKvScope"/>
/// (<see cref="Scope"/>). <see cref="Write"/> checks every key against the region's range, encodes the batch as a
/// <see cref="KvWriteCommand"/>, proposes it through <see cref="Router.ProposeAsync"/> and waits until it is applied on
/// this store's leader peer; <see cref="GetSnapshot"/> waits for a <see cref="Router.ReadIndexAsync"/> and returns an
/// Lsm snapshot bounded to the region. Failures are <see cref="RegionErrorException"/>s in errorpb's vocabulary.
/// </summary>
/// <remarks>
/// Blocking: <see cref="IKvEngine"/> is synchronous, so both calls block their thread until the batch system answers
/// (the completions run off the pool threads, so this never deadlocks the store). Do not call them on thread-pool
/// threads under load (each blocked call holds one; the pool's starvation heuristics then inject threads slowly) —
/// KvService runs the Txn calls on its own bounded worker threads. Waits are bounded by the timeout given at
/// construction (<see cref="TimeoutException"/>; a write's fate is then unknown).
/// Error mapping: NotLeader → <c>not_leader</c> (region id and leader if known), RegionNotFound →
/// <c>region_not_found</c>, StaleCommand → <c>stale_command</c>, a stale epoch → <c>epoch_not_match</c> with the
/// current region, a key outside the range → <c>key_not_in_region</c>, StoreStopped → <c>region_not_found</c> with
/// message "store N stopped" (as TiKV answers a closed mailbox: the client reloads the region and tries another
/// store; a write's fate is unknown). Only the epoch's version is checked (TiKV's rule for normal reads and writes).
/// Region ranges are in engine-key space (memcomparable-encoded user keys for Txn, raw keys for RawKV), as TiKV's.
/// Thread-safe.
/// </remarks>
public sealed class RaftKvEngine : IKvEngine
{
    private readonly Router _router;
    private readonly LsmDb _db;
    private readonly IReadOnlyList<ColumnFamily> _cfs;
    private readonly TimeSpan _timeout;

    /// <summary>
    /// Creates the engine over <paramref name="router"/>'s store, whose KV engine <paramref name="db"/> is applied to
    /// by <paramref name="applier"/> (the store system's <see cref="Store.IApplyHandler"/>). Waits give up after
    /// <paramref name="timeout"/> (default 30 s).
    /// </summary>
    public RaftKvEngine(Router router, LsmDb db, KvApplyHandler applier, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(applier);
        _router = router ?? throw new ArgumentNullException(nameof(router));
        _db = db ?? throw new ArgumentNullException(nameof(db));
        _cfs = applier.ColumnFamilies;
        _timeout = timeout ?? TimeSpan.FromSeconds(30);
    }

    /// <summary>
    /// Sets the region (and, if given, the epoch the client holds) of the calls made on this flow until the scope is
    /// disposed: <c>using (RaftKvEngine.Scope(regionId, epoch)) { ... }</c>.
    /// </summary>
    public static RaftKvScope Scope(ulong regionId, Metapb.RegionEpoch? epoch = null) => new(regionId, epoch);

    /// <inheritdoc/>
    /// <exception cref="RegionErrorException">The region is not led here, unknown, or changed; see the remarks.</exception>
    /// <exception cref="InvalidOperationException">No <see cref="Scope"/> is set.</exception>
    public IKvSnapshot GetSnapshot()
    {
        RaftKvScope scope = CurrentScope();
        PeerFsm fsm = PeerOf(scope);
        CheckEpoch(scope, fsm.Region);
        ReadIndexResult read = Wait(_router.ReadIndexAsync(scope.RegionId), "read index");
        if (!read.IsOk)
        {
            throw Error(read.Error, scope.RegionId, read.Leader);
        }

        CheckEpoch(scope, read.Region!);
        return new RaftKvSnapshot(_db, _cfs, _db.GetSnapshot(), read.Region!);
    }

    /// <inheritdoc/>
    /// <exception cref="RegionErrorException">A key is outside the region, or the region is not led here, unknown,
    /// changed, or the command went stale; see the remarks.</exception>
    /// <exception cref="InvalidOperationException">No <see cref="Scope"/> is set.</exception>
    public void Write(KvWriteBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return;
        }

        RaftKvScope scope = CurrentScope();
        PeerFsm fsm = PeerOf(scope);
        Metapb.Region region = fsm.Region;
        CheckEpoch(scope, region);
        foreach (KvModify m in batch)
        {
            CheckKey(region, m.Key);
            if (m.Op == KvModifyOp.DeleteRange && !region.EndKey.IsEmpty && m.Value.SequenceCompareTo(region.EndKey.Span) > 0)
            {
                throw KeyNotInRegion(region, m.Value);
            }
        }

        byte[] command = KvWriteCommand.Encode(batch, region.RegionEpoch ?? new Metapb.RegionEpoch());
        ProposeResult result = Wait(_router.ProposeAsync(scope.RegionId, command), "write");
        if (!result.IsOk)
        {
            throw Error(result.Error, scope.RegionId, result.Leader);
        }
    }

    /// <summary>
    /// Throws KeyNotInRegion unless a scan's start key lies in the scoped region, as TiKV checks a raw scan: a forward
    /// scan starts in [start, end); a reverse scan's start is its exclusive upper bound, in (start, end], where an empty
    /// key means the end of the key space (allowed only when the region reaches it). Reads are bounded to the region
    /// anyway; this refuses a request a client routed with a wrong range rather than answering a clamped part.
    /// </summary>
    /// <exception cref="RegionErrorException">The start key is outside the region, or the region is unknown here.</exception>
    /// <exception cref="InvalidOperationException">No <see cref="Scope"/> is set.</exception>
    public void CheckScanStart(ReadOnlySpan<byte> startKey, bool reverse)
    {
        Metapb.Region region = PeerOf(CurrentScope()).Region;
        if (!reverse)
        {
            CheckKey(region, startKey);
            return;
        }

        bool aboveStart = startKey.IsEmpty || startKey.SequenceCompareTo(region.StartKey.Span) > 0;
        bool atOrBelowEnd = region.EndKey.IsEmpty || (!startKey.IsEmpty && startKey.SequenceCompareTo(region.EndKey.Span) <= 0);
        if (!aboveStart || !atOrBelowEnd)
        {
            throw KeyNotInRegion(region, startKey);
        }
    }

    /// <summary>Throws KeyNotInRegion unless <paramref name="key"/> is in [start, end) of <paramref name="region"/>.</summary>
    internal static void CheckKey(Metapb.Region region, ReadOnlySpan<byte> key)
    {
        if (key.SequenceCompareTo(region.StartKey.Span) < 0 || (!region.EndKey.IsEmpty && key.SequenceCompareTo(region.EndKey.Span) >= 0))
        {
            throw KeyNotInRegion(region, key);
        }
    }

    private static RegionErrorException KeyNotInRegion(Metapb.Region region, ReadOnlySpan<byte> key) =>
        new(new Errorpb.Error
        {
            Message = $"key is not in region {region.Id}",
            KeyNotInRegion = new Errorpb.KeyNotInRegion
            {
                Key = ByteString.CopyFrom(key),
                RegionId = region.Id,
                StartKey = region.StartKey,
                EndKey = region.EndKey,
            },
        });

    private static RaftKvScope CurrentScope() =>
        RaftKvScope.Current ?? throw new InvalidOperationException("RaftKvEngine: no request scope; wrap the call in RaftKvEngine.Scope(regionId, epoch)");

    private PeerFsm PeerOf(RaftKvScope scope) =>
        _router.GetPeer(scope.RegionId) ?? throw Error(ProposeError.RegionNotFound, scope.RegionId, null);

    private static void CheckEpoch(RaftKvScope scope, Metapb.Region region)
    {
        if (scope.Epoch is Metapb.RegionEpoch given && given.Version != (region.RegionEpoch?.Version ?? 0))
        {
            throw new RegionErrorException(new Errorpb.Error
            {
                Message = $"epoch not match for region {region.Id}: request version {given.Version}, current {region.RegionEpoch?.Version ?? 0}",
                EpochNotMatch = new Errorpb.EpochNotMatch { CurrentRegions = { region.Clone() } },
            });
        }
    }

    private T Wait<T>(Task<T> task, string what)
    {
        if (!task.Wait(_timeout))
        {
            throw new TimeoutException($"RaftKvEngine: {what} on store {_router.StoreId} not answered within {_timeout}");
        }

        return task.Result;
    }

    private RegionErrorException Error(ProposeError error, ulong regionId, Metapb.Peer? leader) => new(error switch
    {
        ProposeError.NotLeader => new Errorpb.Error
        {
            Message = $"peer of region {regionId} on store {_router.StoreId} is not leader",
            NotLeader = new Errorpb.NotLeader { RegionId = regionId, Leader = leader },
        },
        ProposeError.StaleCommand => new Errorpb.Error
        {
            Message = $"stale command on region {regionId}",
            StaleCommand = new Errorpb.StaleCommand(),
        },
        ProposeError.StoreStopped => new Errorpb.Error
        {
            Message = $"store {_router.StoreId} stopped",
            RegionNotFound = new Errorpb.RegionNotFound { RegionId = regionId },
        },
        _ => new Errorpb.Error
        {
            Message = $"region {regionId} not found on store {_router.StoreId}",
            RegionNotFound = new Errorpb.RegionNotFound { RegionId = regionId },
        },
    });
}
