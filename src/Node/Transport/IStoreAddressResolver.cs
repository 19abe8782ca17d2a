namespace ManagedKv.Node.Transport;

/// <summary>
/// Maps a store id to the host:port its Raft transport listens on (the store's <c>metapb.Store.address</c>).
/// <see cref="GrpcRaftTransport"/> asks once per connection attempt and calls <see cref="Invalidate"/> when the
/// connection to the answered address fails, so a store that moved (restarted on another port) is found again.
/// Implementations must be thread-safe.
/// </summary>
public interface IStoreAddressResolver
{
    /// <summary>The host:port of <paramref name="storeId"/>. Throws if the store is unknown or cannot be resolved now
    /// (the transport treats that as a failed connection attempt).</summary>
    ValueTask<string> ResolveAsync(ulong storeId, CancellationToken cancellationToken);

    /// <summary>The address last answered for <paramref name="storeId"/> failed: forget any cached copy.</summary>
    void Invalidate(ulong storeId);
}
