namespace ManagedKv.Node.Batch;

/// <summary>
/// A linearizable read on its way through the batch system (TiKV's ReadIndexRequest): created by
/// <see cref="Router.ReadIndexAsync"/>, given an id and term by the leader's peer FSM (the id travels as the ReadIndex
/// context, 8 bytes as in src/Node/FORMAT.md "Entry context"), given its read index when a Ready's read states name it,
/// and completed exactly once by the peer FSM (applied index reached, leadership lost) or the router (shutdown).
/// Continuations run asynchronously, never on a pool thread.
/// </summary>
public sealed class ReadIndexRequest
{
    private readonly TaskCompletionSource<ReadIndexResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal ReadIndexRequest(ulong regionId) => RegionId = regionId;

    /// <summary>The region.</summary>
    public ulong RegionId { get; }

    /// <summary>The peer-assigned id (the ReadIndex context), once asked.</summary>
    internal ulong Id { get; set; }

    /// <summary>The leader's term when asked.</summary>
    internal ulong Term { get; set; }

    /// <summary>The confirmed read index, 0 until Raft answered.</summary>
    internal ulong Index { get; set; }

    /// <summary>The outcome.</summary>
    public Task<ReadIndexResult> Task => _completion.Task;

    /// <summary>Completes the read; throws if it was already completed (a read answers exactly once).</summary>
    internal void Complete(in ReadIndexResult result) => _completion.SetResult(result);

    /// <summary>Completes the read unless already completed (shutdown paths, which may race each other).</summary>
    internal void TryComplete(in ReadIndexResult result) => _completion.TrySetResult(result);
}
