namespace ManagedKv.Node.Batch;

/// <summary>
/// The answer to <see cref="Router.ProposeAsync"/>: applied at (<see cref="Index"/>, <see cref="Term"/>) on the leader,
/// or a typed <see cref="Error"/> (with the leader for <see cref="ProposeError.NotLeader"/> when known).
/// </summary>
/// <param name="Error">None when applied.</param>
/// <param name="RegionId">The region.</param>
/// <param name="Index">The log index of the applied entry (0 on error).</param>
/// <param name="Term">The term of the applied entry, or for errors the term the store knew (0 if none).</param>
/// <param name="Leader">The leader peer for NotLeader, if known.</param>
public readonly record struct ProposeResult(ProposeError Error, ulong RegionId, ulong Index, ulong Term, Metapb.Peer? Leader)
{
    /// <summary>Whether the command applied.</summary>
    public bool IsOk => Error == ProposeError.None;
}
