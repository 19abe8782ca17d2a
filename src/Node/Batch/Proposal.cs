namespace ManagedKv.Node.Batch;

/// <summary>
/// A write command on its way through the batch system: created by <see cref="Router.ProposeAsync"/>, proposed by the
/// peer FSM (which gives it an id and term — the id travels as the entry's context), completed exactly once by the
/// apply FSM (applied or stale) or by the peer or router (errors, shutdown). Continuations run asynchronously, never on
/// a pool thread.
/// </summary>
public sealed class Proposal
{
    private readonly TaskCompletionSource<ProposeResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal Proposal(ulong regionId, byte[] command)
    {
        RegionId = regionId;
        Command = command;
    }

    /// <summary>The region.</summary>
    public ulong RegionId { get; }

    /// <summary>The write command (for the <see cref="Store.IApplyHandler"/>).</summary>
    public byte[] Command { get; }

    /// <summary>The peer-assigned id (entry context), once proposed.</summary>
    internal ulong Id { get; set; }

    /// <summary>The leader's term when proposed.</summary>
    internal ulong Term { get; set; }

    /// <summary>The outcome.</summary>
    public Task<ProposeResult> Task => _completion.Task;

    /// <summary>Completes the proposal; throws if it was already completed (a proposal answers exactly once).</summary>
    internal void Complete(in ProposeResult result) => _completion.SetResult(result);

    /// <summary>Completes the proposal unless already completed (shutdown paths, which may race each other).</summary>
    internal void TryComplete(in ProposeResult result) => _completion.TrySetResult(result);
}
