using ManagedKv.Node.Store;
using Xunit.Abstractions;

namespace ManagedKv.Node.Tests.Cluster;

/// <summary>3 stores x 20 regions through the harness: replication, restart from disk, log GC.</summary>
public sealed class ClusterTests(ITestOutputHelper output)
{
    private static int Seed(int fallback) =>
        Environment.GetEnvironmentVariable("MANAGEDKV_SEED") is string s ? int.Parse(s) : fallback;

    private static bool Soak => Environment.GetEnvironmentVariable("MANAGEDKV_SOAK") == "1";

    [Fact]
    public void AllStoresApplyTheSameData()
    {
        int seed = Seed(Environment.TickCount);
        output.WriteLine($"seed {seed}");
        using var cluster = new TestCluster(3, 20, seed);
        cluster.CampaignSpread();
        cluster.Settle();
        for (int round = 0; round < (Soak ? 400 : 40); round++)
        {
            Assert.True(cluster.ProposeRandom(20, mustApply: true) > 0, $"seed {seed}: no leader took a proposal");
            cluster.Run(2);
        }

        cluster.Settle();
        cluster.AssertDataConverged();
        Assert.True(cluster.MustApply.Count >= 700, $"{cluster.MustApply.Count} proposals");

        // One synced RaftEngine write served several regions on each store.
        foreach (TestStore s in cluster.Stores)
        {
            output.WriteLine($"store {s.Id}: {s.Writer!.WriteCount} writes for {s.Writer.TaskCount} tasks, max {s.Writer.MaxRegionsPerWrite} regions per write");
            Assert.True(s.Writer.MaxRegionsPerWrite > 1);
            Assert.True(s.Writer.TaskCount > s.Writer.WriteCount);
        }
    }

    [Fact]
    public void RestartedStoreRecoversItsStateAndCatchesUp()
    {
        int seed = Seed(Environment.TickCount);
        output.WriteLine($"seed {seed}");
        using var cluster = new TestCluster(3, 20, seed);
        cluster.CampaignSpread();
        cluster.Settle();
        for (int round = 0; round < 20; round++)
        {
            cluster.ProposeRandom(20, mustApply: true);
            cluster.Run(2);
        }

        cluster.Settle();
        TestStore victim = cluster.Store(2);
        var before = new Dictionary<ulong, (RaftLocalState Raft, RaftApplyState Apply, Metapb.Region Region)>();
        foreach (Peer p in victim.Peers.Values)
        {
            before[p.RegionId] = (p.Storage.RaftState, p.Storage.ApplyState, p.Storage.Region);
        }

        victim.Close();

        // The others keep going: store 1 and 3 still form a majority.
        for (int round = 0; round < 20; round++)
        {
            cluster.ProposeRandom(10, mustApply: false);
            cluster.Run(3);
        }

        victim.Open();
        Assert.Equal(20, victim.Peers.Count);
        foreach (Peer p in victim.Peers.Values)
        {
            (RaftLocalState raft, RaftApplyState apply, Metapb.Region region) = before[p.RegionId];
            Assert.Equal(raft, p.Storage.RaftState);
            Assert.Equal(apply, p.Storage.ApplyState);
            Assert.Equal(region, p.Storage.Region);
            Assert.Equal(raft.HardState, p.RaftGroup.Status().HardState);
        }

        cluster.Settle();
        for (int round = 0; round < 10; round++)
        {
            cluster.ProposeRandom(20, mustApply: true);
            cluster.Run(2);
        }

        cluster.Settle();
        cluster.AssertDataConverged();
    }

    [Fact]
    public void LogGcKeepsLogsBoundedAndALaggingPeerCatchesUpFromTheLog()
    {
        int seed = Seed(Environment.TickCount);
        output.WriteLine($"seed {seed}");
        using var cluster = new TestCluster(3, 20, seed);
        cluster.CampaignSpread();
        cluster.Settle();
        const ulong Threshold = 8;
        const ulong Limit = 10_000;

        void GcTick()
        {
            foreach (TestStore s in cluster.Stores)
            {
                if (s.IsUp)
                {
                    foreach (Peer p in s.Peers.Values)
                    {
                        p.OnRaftLogGcTick(Threshold, Limit);
                    }
                }
            }
        }

        // Store 3 is cut off (not down): its peers fall behind while the others write and collect their logs.
        cluster.Transport.Isolate(3, cluster.StoreIds);
        for (int round = 0; round < 40; round++)
        {
            cluster.ProposeRandom(20, mustApply: false);
            cluster.Run(2);
            if (round % 5 == 0)
            {
                GcTick();
            }
        }

        // No leader compacted past what store 3 has replicated, so it catches up from the log, no snapshot needed.
        cluster.Transport.Heal();
        cluster.Settle();
        foreach (TestStore s in cluster.Stores)
        {
            foreach (Peer p in s.Peers.Values)
            {
                Assert.Equal(0, p.Storage.SnapshotRequests);
            }
        }

        // With everyone caught up, GC runs and the logs shrink to a bounded tail.
        for (int round = 0; round < 30; round++)
        {
            cluster.ProposeRandom(20, mustApply: true);
            cluster.Run(2);
            if (round % 5 == 0)
            {
                GcTick();
            }
        }

        cluster.Settle();
        GcTick();
        cluster.Settle();
        cluster.AssertDataConverged();
        foreach (TestStore s in cluster.Stores)
        {
            foreach (Peer p in s.Peers.Values)
            {
                PeerStorage st = p.Storage;
                Assert.True(st.ApplyState.TruncatedIndex > StateFormatTestsConstants.InitialIndex, $"store {s.Id} region {p.RegionId} never truncated");
                Assert.True(st.LastIndex() - st.FirstIndex() + 1 <= 4 * Threshold + 20 * 2, $"store {s.Id} region {p.RegionId}: log {st.FirstIndex()}..{st.LastIndex()}");
                ulong? engineFirst = s.Engines!.RaftEngine.FirstIndex(p.RegionId);
                Assert.True(engineFirst is null || engineFirst >= st.FirstIndex(), $"RaftEngine still holds {engineFirst} below {st.FirstIndex()}");
            }
        }
    }

    [Fact]
    public void PurgeReportedRegionsAreForceCompactedAndFilesGo()
    {
        int seed = Seed(Environment.TickCount);
        output.WriteLine($"seed {seed}");
        using var cluster = new TestCluster(3, 20, seed, targetFileSize: 32 << 10);
        cluster.CampaignSpread();
        cluster.Settle();
        for (int round = 0; round < 30; round++)
        {
            cluster.ProposeRandom(30, mustApply: true);
            cluster.Run(2);
        }

        cluster.Settle();
        TestStore store = cluster.Store(1);
        int filesBefore = store.Engines!.RaftEngine.FileCount;
        Assert.True(filesBefore > 4, $"{filesBefore} files");
        int forced = 0;
        foreach (TestStore s in cluster.Stores)
        {
            foreach (ulong region in s.Engines!.RaftEngine.PurgeExpiredFiles())
            {
                if (s.Peers[region].ForceCompactLog())
                {
                    forced++;
                }
            }
        }

        cluster.Run(2);
        foreach (TestStore s in cluster.Stores)
        {
            s.Engines!.RaftEngine.PurgeExpiredFiles();
            foreach (Peer p in s.Peers.Values)
            {
                Assert.Equal(p.Storage.AppliedIndex, p.Storage.ApplyState.TruncatedIndex);
            }
        }

        output.WriteLine($"forced {forced}, files {filesBefore} -> {store.Engines.RaftEngine.FileCount}");
        Assert.True(forced > 0);
        Assert.True(store.Engines.RaftEngine.FileCount < filesBefore);

        // Still a working cluster.
        cluster.ProposeRandom(40, mustApply: true);
        cluster.Settle();
        cluster.AssertDataConverged();
    }
}
