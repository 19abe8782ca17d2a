// Stores: PutStore (PD RaftCluster.putMetaStore), GetStore, GetAllStores, StoreHeartbeat (TIKV-PD-BEHAVIOUR.md §3).
namespace ManagedKv.Pd.Cluster;

public sealed partial class PdCluster
{
    private readonly Lock _storeLock = new(); // guards _stores and store persistence order
    private readonly Dictionary<ulong, StoreInfo> _stores = new();

    /// <summary>
    /// Registers or updates a store (PD PutStore): NOT_BOOTSTRAPPED before bootstrap, STORE_TOMBSTONE for a
    /// removed store, UNKNOWN for id 0 or an address another live store already uses. An existing store keeps its
    /// state and last heartbeat; address, labels, version and the other descriptive fields are replaced.
    /// </summary>
    public Pdpb.Error? PutStore(Metapb.Store? store)
    {
        if (_clusterMeta is null)
        {
            return PdErrors.NotBootstrapped();
        }
        if (store is null)
        {
            return PdErrors.Unknown("invalid put store <nil>");
        }
        lock (_storeLock)
        {
            _stores.TryGetValue(store.Id, out StoreInfo? existing);
            if (existing is not null && existing.IsRemoved)
            {
                return PdErrors.StoreTombstone();
            }
            if (store.Id == 0)
            {
                return PdErrors.Unknown($"invalid put store {store}");
            }
            foreach (StoreInfo other in _stores.Values)
            {
                if (other.Id != store.Id && !other.IsRemoved && !other.Meta.PhysicallyDestroyed &&
                    other.Meta.Address == store.Address)
                {
                    return PdErrors.Unknown($"duplicated store address: {store}, already registered by {other.Meta}");
                }
            }
            Metapb.Store meta = store.Clone();
            if (existing is not null)
            {
                meta.State = existing.Meta.State;
                meta.NodeState = existing.Meta.NodeState;
                meta.LastHeartbeat = existing.Meta.LastHeartbeat;
            }
            else
            {
                meta.State = Metapb.StoreState.Up;
                meta.NodeState = Metapb.NodeState.Serving;
            }
            _storage.SaveStore(meta);
            _stores[meta.Id] = new StoreInfo(meta, existing?.Stats, existing?.LastHeartbeatUnixMs ?? 0);
            return null;
        }
    }

    /// <summary>The store with <paramref name="storeId"/>, or null.</summary>
    public StoreInfo? GetStore(ulong storeId)
    {
        lock (_storeLock)
        {
            return _stores.GetValueOrDefault(storeId);
        }
    }

    /// <summary>Every store's metadata in id order, without removed ones if <paramref name="excludeTombstone"/>.</summary>
    public List<Metapb.Store> GetAllStores(bool excludeTombstone)
    {
        var result = new List<Metapb.Store>();
        lock (_storeLock)
        {
            foreach (StoreInfo s in _stores.Values)
            {
                if (!excludeTombstone || !s.IsRemoved)
                {
                    result.Add(s.Meta);
                }
            }
        }
        result.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return result;
    }

    /// <summary>
    /// Records a store heartbeat's statistics and time (PD StoreHeartbeat): NOT_BOOTSTRAPPED before bootstrap,
    /// STORE_TOMBSTONE for a removed store, UNKNOWN "store N not found" for an unknown one. The time is kept in
    /// memory (Meta.last_heartbeat, unix ns) and persisted with the next PutStore.
    /// </summary>
    public Pdpb.Error? StoreHeartbeat(Pdpb.StoreStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        if (_clusterMeta is null)
        {
            return PdErrors.NotBootstrapped();
        }
        long now = _clock.UnixMilliseconds;
        lock (_storeLock)
        {
            if (!_stores.TryGetValue(stats.StoreId, out StoreInfo? existing))
            {
                return PdErrors.Unknown($"store {stats.StoreId} not found");
            }
            if (existing.IsRemoved)
            {
                return PdErrors.StoreTombstone();
            }
            Metapb.Store meta = existing.Meta.Clone();
            meta.LastHeartbeat = now * 1_000_000;
            _stores[stats.StoreId] = new StoreInfo(meta, stats, now);
            return null;
        }
    }
}
