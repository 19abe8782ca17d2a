using System.Diagnostics;
using System.Globalization;
using ManagedKv.Node.Batch;
using ManagedKv.Node.Tests.Batch;
using ManagedKv.Tests.Shared;
using Xunit.Abstractions;

namespace ManagedKv.Node.Tests.Crash;

/// <summary>
/// Kills a child process running three whole stores (engines, store writer, raft and apply pools, timer) with SIGKILL
/// while it proposes, reopens the stores from disk here, and checks that every proposal the child saw applied on its
/// leader is applied on every store once they re-elect and converge; then the next round appends to the same
/// directories. MANAGEDKV_SOAK=1 runs more rounds.
/// </summary>
public sealed class StoreCrashTests
{
    private readonly ITestOutputHelper _output;

    public StoreCrashTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task AcknowledgedProposalsSurviveKillOfAllStores()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // SIGKILL semantics
        }
        int seed = int.TryParse(Environment.GetEnvironmentVariable("MANAGEDKV_SEED"), out int s) ? s : Random.Shared.Next();
        int rounds = Environment.GetEnvironmentVariable("MANAGEDKV_SOAK") == "1" ? 8 : 2;
        using var dir = new TempDir();
        var acked = new Dictionary<string, string>(StringComparer.Ordinal);
        var rng = new Random(seed);
        for (int round = 1; round <= rounds; round++)
        {
            int before = acked.Count;
            int wantAcks = 200 + rng.Next(800);
            using (Process child = StartChild(dir.Path, seed + round, round))
            {
                var sw = Stopwatch.StartNew();
                int roundAcks = 0;
                while (roundAcks < wantAcks)
                {
                    string? line = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
                    if (line == null)
                    {
                        Assert.Fail($"child exited early (seed {seed}, round {round}): {await child.StandardError.ReadToEndAsync()}");
                    }

                    if (line!.StartsWith("ACK ", StringComparison.Ordinal))
                    {
                        string[] parts = line.Split(' ');
                        acked[parts[1]] = parts[2];
                        roundAcks++;
                    }
                    Assert.True(sw.Elapsed < TimeSpan.FromSeconds(90), $"only {roundAcks} acks in 90 s (seed {seed}, round {round})");
                }
                child.Kill(entireProcessTree: true);
                await child.WaitForExitAsync();
            }
            _output.WriteLine($"seed {seed} round {round}: {acked.Count - before} acknowledged before the kill");

            using var cluster = new BatchTestCluster(dir.Path, CrashChild.CrashShape.Stores, CrashChild.CrashShape.Regions,
                new BatchSystemOptions { BaseTickInterval = TimeSpan.FromMilliseconds(10) });
            cluster.CampaignSpread();
            cluster.WaitForLeaders(TimeSpan.FromSeconds(60));
            // A no-op-like put per region makes each new leader commit (and every store apply) what the old term left.
            for (ulong r = 1; r <= CrashChild.CrashShape.Regions; r++)
            {
                string key = $"r{r:D4}/restart-{round}";
                await cluster.ProposeUntilAppliedAsync(r, Cluster.PutApplier.Encode(System.Text.Encoding.UTF8.GetBytes(key), System.Text.Encoding.UTF8.GetBytes("x")), TimeSpan.FromSeconds(60));
                acked[key] = "x";
            }
            cluster.WaitConverged(TimeSpan.FromSeconds(60));
            foreach (BatchTestStore store in cluster.Stores)
            {
                SortedDictionary<string, string> data = store.Data();
                foreach ((string key, string value) in acked)
                {
                    Assert.True(data.TryGetValue(key, out string? got), $"store {store.Id} lost acknowledged {key} (seed {seed}, round {round})");
                    Assert.Equal(value, got);
                }
            }
        }
    }

    private static Process StartChild(string dir, int seed, int round) =>
        CrashChildProcess.Start("CrashChild", "ManagedKv.Node.CrashChild.dll", dir,
            seed.ToString(CultureInfo.InvariantCulture), round.ToString(CultureInfo.InvariantCulture));
}
