namespace ManagedKv.Perf.Raft;

/// <summary>What one <see cref="RaftBenchCase"/> measured: proposals committed and applied by the leaders, wall
/// time, bytes allocated by the driving thread, and garbage collections.</summary>
internal readonly record struct RaftBenchResult(
    RaftBenchCase Case, long Proposals, double Seconds, long AllocatedBytes, int Gen0, int Gen1, int Gen2)
{
    public double ProposalsPerSecond => Proposals / Seconds;

    public double BytesPerProposal => Proposals == 0 ? 0 : (double)AllocatedBytes / Proposals;
}
