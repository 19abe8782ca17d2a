// What PD knows about one store: its metadata (PutStore), the last StoreStats and when the last store heartbeat
// arrived. Immutable by convention: updates replace the instance; never mutate Meta or Stats.
namespace ManagedKv.Pd.Cluster;

/// <summary>A store as PD caches it.</summary>
public sealed class StoreInfo
{
    internal StoreInfo(Metapb.Store meta, Pdpb.StoreStats? stats, long lastHeartbeatUnixMs)
    {
        Meta = meta;
        Stats = stats;
        LastHeartbeatUnixMs = lastHeartbeatUnixMs;
    }

    /// <summary>The store's metadata; last_heartbeat carries the last heartbeat in unix nanoseconds (as PD).</summary>
    public Metapb.Store Meta { get; }

    /// <summary>Statistics of the last store heartbeat, null before the first.</summary>
    public Pdpb.StoreStats? Stats { get; }

    /// <summary>Unix ms of the last store heartbeat; 0 before the first.</summary>
    public long LastHeartbeatUnixMs { get; }

    /// <summary>Store id.</summary>
    public ulong Id => Meta.Id;

    /// <summary>True if the store was removed (state Tombstone or node state Removed).</summary>
    public bool IsRemoved => IsRemovedMeta(Meta);

    internal static bool IsRemovedMeta(Metapb.Store store) =>
        store.State == Metapb.StoreState.Tombstone || store.NodeState == Metapb.NodeState.Removed;
}
