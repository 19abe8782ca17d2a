namespace ManagedKv.Raft;

/// <summary>One step of a membership change.</summary>
/// <remarks>On the wire and on disk: never renumber.</remarks>
public enum ConfChangeType : byte
{
    /// <summary>Add a voter, or promote a learner to voter.</summary>
    AddNode = 0,
    /// <summary>Remove a voter or learner.</summary>
    RemoveNode = 1,
    /// <summary>No membership effect (the application may carry new addresses in the context).</summary>
    UpdateNode = 2,
    /// <summary>Add a learner, or demote a voter to learner.</summary>
    AddLearnerNode = 3,
}
