namespace ManagedKv.Raft;

/// <summary>Why a node campaigns.</summary>
internal enum CampaignType
{
    /// <summary>Pre-vote phase (thesis §9.6).</summary>
    PreElection,
    /// <summary>A normal election (Raft §5.2).</summary>
    Election,
    /// <summary>An election asked for by the leader (MsgTimeoutNow): no pre-vote, bypasses leases.</summary>
    Transfer,
}
