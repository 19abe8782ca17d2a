namespace ManagedKv.Node.Batch;

/// <summary>
/// What one apply-pool round produced before its Lsm write: the apply FSMs whose state moved (reported after the
/// write) and the proposals to complete (after the write). Owned by one apply thread; reused across rounds.
/// </summary>
internal sealed class ApplyRound
{
    public List<(ApplyFsm Fsm, Store.RaftApplyState State, bool Truncated)> Results { get; } = [];

    public List<(Proposal Proposal, ProposeResult Result)> Completions { get; } = [];

    /// <summary>Whether the write must be synced (a log truncation follows it).</summary>
    public bool Sync { get; set; }

    public void Clear()
    {
        Results.Clear();
        Completions.Clear();
        Sync = false;
    }
}
