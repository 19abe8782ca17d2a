using ManagedKv.Raft;

namespace ManagedKv.Node.Store;

/// <summary>
/// Takes a <see cref="Peer"/>'s apply off its thread (the batch system's apply pool). When a peer has one, it hands
/// over the committed entries of each durable Ready instead of applying them, and waits for
/// <see cref="Peer.OnApplyResult"/> before reporting them applied to Raft (so the entry memory the slice views stays
/// valid until then).
/// </summary>
public interface IApplyScheduler
{
    /// <summary>Queues <paramref name="committed"/> (durable on this store, in log order) for apply. Called on the
    /// peer's thread.</summary>
    void ScheduleApply(Peer peer, EntrySlice committed);

    /// <summary>Queues a forced log truncation at the applied index (the RaftEngine's purge asked for it). Called on
    /// the peer's thread.</summary>
    void ScheduleForceCompact(Peer peer);
}
