using System.Collections.Concurrent;

namespace ManagedKv.Node.Transport;

/// <summary>
/// A fixed table of store addresses, changed by its owner (<see cref="Set"/>, <see cref="Remove"/>): for tests and
/// for deployments without PD. Thread-safe.
/// </summary>
public sealed class StaticStoreAddressResolver : IStoreAddressResolver
{
    private readonly ConcurrentDictionary<ulong, string> _addresses = new();

    /// <summary>Sets (or replaces) the host:port of <paramref name="storeId"/>.</summary>
    public void Set(ulong storeId, string address)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        _addresses[storeId] = address;
    }

    /// <summary>Forgets <paramref name="storeId"/>; later resolutions fail until it is set again.</summary>
    public void Remove(ulong storeId) => _addresses.TryRemove(storeId, out _);

    /// <inheritdoc/>
    public ValueTask<string> ResolveAsync(ulong storeId, CancellationToken cancellationToken) =>
        _addresses.TryGetValue(storeId, out string? address)
            ? ValueTask.FromResult(address)
            : ValueTask.FromException<string>(new InvalidOperationException($"store {storeId} has no known address"));

    /// <inheritdoc/>
    /// <remarks>The table is the truth: nothing is cached, so nothing is forgotten.</remarks>
    public void Invalidate(ulong storeId)
    {
    }
}
