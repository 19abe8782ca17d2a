namespace ManagedKv.Perf.Raft;

/// <summary>What one <see cref="RaftBenchCase"/> measured: proposals committed and applied by the leaders, wall
/// time, the driving thread's CPU time, bytes allocated by the driving thread, and garbage collections.</summary>
internal readonly record struct RaftBenchResult(
    RaftBenchCase Case, long Proposals, double Seconds, double CpuSeconds, long AllocatedBytes, int Gen0, int Gen1, int Gen2)
{
    public double ProposalsPerSecond => Proposals / Seconds;

    /// <summary>Proposals per second of this thread's CPU time: steadier than wall time on a shared machine.</summary>
    public double ProposalsPerCpuSecond => CpuSeconds <= 0 ? 0 : Proposals / CpuSeconds;

    public double BytesPerProposal => Proposals == 0 ? 0 : (double)AllocatedBytes / Proposals;
}
