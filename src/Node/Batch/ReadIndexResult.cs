namespace ManagedKv.Node.Batch;

/// <summary>
/// The answer to <see cref="Router.ReadIndexAsync"/>: the leader confirmed its leadership at read index
/// <see cref="ReadIndex"/> and this store has applied up to <see cref="AppliedIndex"/> (≥ the read index), so a
/// snapshot of the store's KV engine taken now sees every write acknowledged before the request; or a typed
/// <see cref="Error"/> in the proposal vocabulary (<see cref="ProposeError"/>).
/// </summary>
/// <param name="Error">None when the read is confirmed.</param>
/// <param name="RegionId">The region.</param>
/// <param name="ReadIndex">The commit index the leader confirmed (0 on error).</param>
/// <param name="AppliedIndex">The region's applied index when the read completed (0 on error).</param>
/// <param name="Term">The leader's term (or for errors the term the store knew; 0 if none).</param>
/// <param name="Leader">The leader peer for NotLeader, if known.</param>
/// <param name="Region">A copy of the region's meta (range, epoch, peers) when the read completed; null on error.</param>
public readonly record struct ReadIndexResult(ProposeError Error, ulong RegionId, ulong ReadIndex, ulong AppliedIndex, ulong Term,
    Metapb.Peer? Leader, Metapb.Region? Region)
{
    /// <summary>Whether the read is confirmed.</summary>
    public bool IsOk => Error == ProposeError.None;
}
