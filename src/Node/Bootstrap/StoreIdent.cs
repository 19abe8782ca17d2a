namespace ManagedKv.Node.Bootstrap;

/// <summary>
/// The identity a store persists once, when it first joins a PD cluster (TiKV's <c>StoreIdent</c>): the cluster's id
/// and the store id PD allocated. A store never re-allocates its id; a store whose cluster id differs from PD's refuses
/// to start (<see cref="ClusterIdMismatchException"/>).
/// </summary>
/// <param name="ClusterId">The PD cluster's id.</param>
/// <param name="StoreId">This store's id, allocated by PD's AllocID.</param>
public readonly record struct StoreIdent(ulong ClusterId, ulong StoreId);
