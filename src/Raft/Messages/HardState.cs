namespace ManagedKv.Raft;

/// <summary>
/// The state a node must persist before it sends the messages of a <see cref="Ready"/> (Raft figure 2:
/// currentTerm, votedFor) plus the commit index, so a restart resumes applying where it can.
/// </summary>
/// <param name="Term">The latest term the node has seen.</param>
/// <param name="Vote">The candidate voted for in <paramref name="Term"/>, or 0.</param>
/// <param name="Commit">The highest index known to be committed.</param>
public readonly record struct HardState(ulong Term, ulong Vote, ulong Commit)
{
    /// <summary>True for the all-zero state of a fresh node.</summary>
    public bool IsEmpty => Term == 0 && Vote == 0 && Commit == 0;
}
