namespace ManagedKv.Perf.Raft;

/// <summary>One benchmark configuration: <paramref name="Groups"/> 3-node groups, each proposing
/// <paramref name="Batch"/> entries per round (1 = Propose, more = ProposeBatch).</summary>
internal readonly record struct RaftBenchCase(int Groups, int Batch, int PayloadBytes)
{
    public override string ToString() => $"groups={Groups} batch={Batch} payload={PayloadBytes}B";
}
