namespace ManagedKv.Raft.Tests;

/// <summary>
/// Runs the <see cref="ClusterSimulator"/> over many seeds. CI runs a short sweep; set MANAGEDKV_SOAK=1 for
/// thousands of seeds and longer runs. A failure message starts with the seed, which replays exactly.
/// </summary>
public sealed class ClusterSimulationTests
{
    private static bool Soak => Environment.GetEnvironmentVariable("MANAGEDKV_SOAK") == "1";

    public static TheoryData<int> SeedBlocks()
    {
        var data = new TheoryData<int>();
        int blocks = Soak ? 100 : 5;
        for (int i = 0; i < blocks; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SeedBlocks))]
    public void SafetyAndLivenessHoldUnderFaults(int block)
    {
        const int seedsPerBlock = 20;
        int steps = Soak ? 20_000 : 2_000;
        long applied = 0;
        long reads = 0;
        long confChanges = 0;
        long joint = 0;
        long removed = 0;
        for (int seed = block * seedsPerBlock; seed < (block + 1) * seedsPerBlock; seed++)
        {
            var sim = new ClusterSimulator(seed);
            sim.Run(steps);
            applied += sim.ProposalsApplied;
            reads += sim.ReadsAnswered;
            confChanges += sim.ConfChangesApplied;
            joint += sim.JointConfigs;
            removed += sim.NodesRemoved;
        }

        // The sweep must make progress, or it checks nothing.
        Assert.True(applied > seedsPerBlock, $"only {applied} proposals applied in block {block}");
        Assert.True(reads > seedsPerBlock, $"only {reads} reads answered in block {block}");
        Assert.True(confChanges > seedsPerBlock, $"only {confChanges} membership changes applied in block {block}");
        Assert.True(joint > 0 && removed > 0, $"{joint} joint configurations, {removed} nodes removed in block {block}");
    }

    /// <summary>Replays one seed: MANAGEDKV_SIM_SEED and MANAGEDKV_SIM_STEPS (defaults: seed 0, 2,000 steps).</summary>
    [Fact]
    public void ReplaysOneSeed()
    {
        int seed = int.Parse(Environment.GetEnvironmentVariable("MANAGEDKV_SIM_SEED") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        int steps = int.Parse(Environment.GetEnvironmentVariable("MANAGEDKV_SIM_STEPS") ?? "2000", System.Globalization.CultureInfo.InvariantCulture);
        var sim = new ClusterSimulator(seed);
        sim.Run(steps);
        Assert.True(sim.MaxCommitted > ClusterSimulator.BootstrapIndex, sim.Describe());
    }

    [Fact]
    public void SimulatorDetectsAChangedCommittedEntry()
    {
        var sim = new ClusterSimulator(7, faults: false);
        sim.Run(500);
        Assert.True(sim.MaxCommitted > ClusterSimulator.BootstrapIndex + 1);
        sim.CorruptHistoryForTest(ClusterSimulator.BootstrapIndex + 1);
        SimulationException e = Assert.Throws<SimulationException>(() => sim.Run(10));
        Assert.Contains("seed=7", e.Message);
    }
}
