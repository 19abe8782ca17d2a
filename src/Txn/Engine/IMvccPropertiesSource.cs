using ManagedKv.Lsm;

namespace ManagedKv.Txn;

/// <summary>
/// An engine that can summarize the MVCC table properties of its <c>write</c> CF over a key range, so GC skips ranges
/// with nothing to collect (<see cref="MvccGcCheck"/>). Optional: <see cref="GcRunner"/> checks it when the engine
/// implements it. Thread-safe.
/// </summary>
public interface IMvccPropertiesSource
{
    /// <summary>
    /// The merged MVCC properties of the write CF files overlapping <c>[startKey, endKey)</c> (raw user keys; null or
    /// empty = unbounded), or null when they say nothing reliable: no file in the range, or a file without the
    /// property. Data not yet flushed is not described.
    /// </summary>
    MvccProperties? GetWriteCfMvccProperties(byte[]? startKey, byte[]? endKey);
}
