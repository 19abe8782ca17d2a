namespace ManagedKv.Node.Bootstrap;

/// <summary>
/// The store's persisted <see cref="StoreIdent"/> names another cluster than the PD it connected to: the store's data
/// belongs to a different cluster, so it refuses to start (TiKV's "cluster ID mismatch").
/// </summary>
public sealed class ClusterIdMismatchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ClusterIdMismatchException(string directory, ulong storedClusterId, ulong pdClusterId)
        : base($"Store at {directory} belongs to cluster {storedClusterId} but PD's cluster id is {pdClusterId}; refusing to start")
    {
        StoredClusterId = storedClusterId;
        PdClusterId = pdClusterId;
    }

    /// <summary>The cluster id in the store's ident.</summary>
    public ulong StoredClusterId { get; }

    /// <summary>The cluster id PD answered.</summary>
    public ulong PdClusterId { get; }
}
