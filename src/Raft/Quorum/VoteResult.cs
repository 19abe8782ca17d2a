namespace ManagedKv.Raft;

/// <summary>The outcome of counting votes (or acknowledgements) against a configuration.</summary>
public enum VoteResult
{
    /// <summary>Neither won nor lost yet: missing votes could decide either way.</summary>
    Pending = 0,
    /// <summary>A quorum rejected.</summary>
    Lost = 1,
    /// <summary>A quorum granted.</summary>
    Won = 2,
}
