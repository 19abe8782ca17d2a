using System.Collections.Concurrent;
using System.Diagnostics;
using ManagedKv.Node.Pd;

namespace ManagedKv.Node.Transport;

/// <summary>
/// Resolves store addresses through PD (<see cref="PdClient.GetStoreAsync"/>): the store's <c>peer_address</c>, or
/// its <c>address</c> when that is empty. Answers are cached for <see cref="CacheTtl"/> and dropped on
/// <see cref="Invalidate"/>, so a store that restarted on another address is found after its first failed connection.
/// A tombstone store does not resolve. Thread-safe.
/// </summary>
public sealed class PdStoreAddressResolver : IStoreAddressResolver
{
    private readonly PdClient _pd;
    private readonly ConcurrentDictionary<ulong, CachedAddress> _cache = new();

    /// <summary>Resolves through <paramref name="pd"/>, caching answers for <paramref name="cacheTtl"/> (default 60 s;
    /// zero disables the cache).</summary>
    public PdStoreAddressResolver(PdClient pd, TimeSpan? cacheTtl = null)
    {
        ArgumentNullException.ThrowIfNull(pd);
        TimeSpan ttl = cacheTtl ?? TimeSpan.FromSeconds(60);
        ArgumentOutOfRangeException.ThrowIfLessThan(ttl, TimeSpan.Zero, nameof(cacheTtl));
        _pd = pd;
        CacheTtl = ttl;
    }

    /// <summary>How long an answer is reused without asking PD again.</summary>
    public TimeSpan CacheTtl { get; }

    /// <summary>Calls made to PD (cache misses).</summary>
    public long PdLookups => Interlocked.Read(ref _pdLookups);

    private long _pdLookups;

    /// <inheritdoc/>
    public async ValueTask<string> ResolveAsync(ulong storeId, CancellationToken cancellationToken)
    {
        long now = Stopwatch.GetTimestamp();
        if (_cache.TryGetValue(storeId, out CachedAddress cached) && Stopwatch.GetElapsedTime(cached.Timestamp, now) < CacheTtl)
        {
            return cached.Address;
        }

        Interlocked.Increment(ref _pdLookups);
        Metapb.Store store = await _pd.GetStoreAsync(storeId, cancellationToken).ConfigureAwait(false);
        if (store.State == Metapb.StoreState.Tombstone)
        {
            _cache.TryRemove(storeId, out _);
            throw new InvalidOperationException($"store {storeId} is a tombstone");
        }

        string address = store.PeerAddress.Length > 0 ? store.PeerAddress : store.Address;
        if (address.Length == 0)
        {
            throw new InvalidOperationException($"PD knows no address for store {storeId}");
        }

        if (CacheTtl > TimeSpan.Zero)
        {
            _cache[storeId] = new CachedAddress(address, now);
        }

        return address;
    }

    /// <inheritdoc/>
    public void Invalidate(ulong storeId) => _cache.TryRemove(storeId, out _);

    private readonly record struct CachedAddress(string Address, long Timestamp);
}
