namespace ManagedKv.Node.Batch;

/// <summary>Why a proposal did not apply, in TiKV's errorpb vocabulary.</summary>
public enum ProposeError
{
    /// <summary>Applied.</summary>
    None = 0,

    /// <summary>This store's peer is not the leader; <see cref="ProposeResult.Leader"/> names the leader if known.
    /// Nothing was appended: retry on the leader.</summary>
    NotLeader = 1,

    /// <summary>No peer of the region on this store.</summary>
    RegionNotFound = 2,

    /// <summary>The proposal was appended but a term change replaced it: it will never apply. Retry.</summary>
    StaleCommand = 3,

    /// <summary>The store is shutting down (or stopped on a fatal error); the proposal's fate is unknown if it had
    /// been appended.</summary>
    StoreStopped = 4,
}
