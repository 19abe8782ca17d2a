namespace ManagedKv.Raft;

/// <summary>The outcome of stepping a message or proposal: expected conditions, not errors.</summary>
public enum RaftResult
{
    /// <summary>Accepted.</summary>
    Ok = 0,
    /// <summary>The proposal was dropped (no leader known, leadership transfer in progress, removed node, or a
    /// configuration change while another is pending). The application retries or reports failure.</summary>
    ProposalDropped = 1,
    /// <summary>A local-only message type was given to <see cref="RawNode.Step"/>.</summary>
    StepLocalMessage = 2,
    /// <summary>A response from a peer the node does not track was ignored.</summary>
    StepPeerNotFound = 3,
}
