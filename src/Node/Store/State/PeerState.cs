namespace ManagedKv.Node.Store;

/// <summary>The lifecycle state of a region's peer on this store (TiKV's raft_serverpb.PeerState). On-disk: never
/// renumber.</summary>
public enum PeerState : byte
{
    /// <summary>Serving: the peer's log and data are in place.</summary>
    Normal = 0,

    /// <summary>A snapshot is being applied (snapshots by SST ingest are a later step).</summary>
    Applying = 1,

    /// <summary>The peer was removed from this store; its log and data are garbage.</summary>
    Tombstone = 2,
}
