namespace ManagedKv.Txn;

/// <summary>
/// The key-value engine the transaction layer runs on: consistent snapshots and atomic multi-CF batches. Implemented
/// by <see cref="LsmKvEngine"/> over a local <c>LsmDb</c>, and by the Node over Raft (a write returns once applied).
/// Implementations are thread-safe.
/// </summary>
public interface IKvEngine
{
    /// <summary>A consistent read view of every column family. Dispose it.</summary>
    IKvSnapshot GetSnapshot();

    /// <summary>Applies every modification of <paramref name="batch"/> atomically; durable when this returns.</summary>
    void Write(KvWriteBatch batch);
}
