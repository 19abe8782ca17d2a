namespace ManagedKv.Raft;

/// <summary>The role of a node (Raft §5.1, plus the pre-candidate of thesis §9.6).</summary>
public enum StateRole
{
    /// <summary>Follows a leader (or waits for one).</summary>
    Follower = 0,
    /// <summary>Campaigning for votes in a new term.</summary>
    Candidate = 1,
    /// <summary>Leader of the current term.</summary>
    Leader = 2,
    /// <summary>Asking whether it would win an election, without raising its term.</summary>
    PreCandidate = 3,
}
