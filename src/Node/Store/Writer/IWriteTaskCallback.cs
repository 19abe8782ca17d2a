namespace ManagedKv.Node.Store;

/// <summary>Receives finished <see cref="WriteTask"/>s from the <see cref="StoreWriter"/>.</summary>
public interface IWriteTaskCallback
{
    /// <summary>
    /// Called on a store-writer thread once <paramref name="task"/> is durable (or failed: <see cref="WriteTask.Error"/>),
    /// exactly once per submitted task, in submission order for one region. Must not block: hand the task to the
    /// thread that drives the region's peer (its mailbox) and return.
    /// </summary>
    void OnWriteTaskDone(WriteTask task);
}
