// PdCluster's heartbeat rules in process (TIKV-PD-BEHAVIOUR.md §2): what is stale, what is persisted.
using Google.Protobuf;
using ManagedKv.Pd.Cluster;
using ManagedKv.Pd.Routing;
using ManagedKv.Pd.Server;
using ManagedKv.Pd.Tests.Util;

namespace ManagedKv.Pd.Tests.Cluster;

public sealed class RegionHeartbeatTests
{
    private static PdCluster OpenBootstrapped(TempDir dir)
    {
        PdCluster cluster = PdCluster.Open(new PdOptions { DataDir = dir.Sub("pd"), Clock = new ManualClock(1_700_000_000_000) });
        Assert.Null(cluster.Bootstrap(
            new Metapb.Store { Id = 1, Address = "s1" },
            new Metapb.Region
            {
                Id = 2,
                RegionEpoch = new Metapb.RegionEpoch { ConfVer = 1, Version = 1 },
                Peers = { new Metapb.Peer { Id = 3, StoreId = 1 } },
            }));
        return cluster;
    }

    private static RegionInfo Report(ulong id, string start, string end, ulong version, ulong confVer, ulong term = 1,
        ulong leaderPeer = 3, ulong size = 0, params ulong[] peerIds)
    {
        var region = new Metapb.Region
        {
            Id = id,
            StartKey = ByteString.CopyFromUtf8(start),
            EndKey = ByteString.CopyFromUtf8(end),
            RegionEpoch = new Metapb.RegionEpoch { Version = version, ConfVer = confVer },
        };
        foreach (ulong p in peerIds.Length == 0 ? [leaderPeer] : peerIds)
        {
            region.Peers.Add(new Metapb.Peer { Id = p, StoreId = 1 });
        }
        return RegionInfo.FromHeartbeat(new Pdpb.RegionHeartbeatRequest
        {
            Region = region,
            Leader = new Metapb.Peer { Id = leaderPeer, StoreId = 1 },
            Term = term,
            ApproximateSize = size,
        });
    }

    [Fact]
    public void LeaderOrStatsOnlyChangeUpdatesCacheWithoutPersisting()
    {
        using var dir = new TempDir();
        using PdCluster cluster = OpenBootstrapped(dir);
        Assert.Null(cluster.HandleRegionHeartbeat(Report(2, "", "", 1, 1, size: 10), out bool persisted));
        Assert.False(persisted); // same range, epoch and peers as the bootstrap record
        Assert.Null(cluster.HandleRegionHeartbeat(Report(2, "", "", 1, 1, term: 2, size: 99), out persisted));
        Assert.False(persisted);
        Assert.Equal(99UL, cluster.GetRegionById(2)!.ApproximateSize);
        Assert.Equal(2UL, cluster.GetRegionById(2)!.Term);
        // A conf change (new peer, conf_ver up) is persisted.
        Assert.Null(cluster.HandleRegionHeartbeat(Report(2, "", "", 1, 2, term: 2, peerIds: [3, 4]), out persisted));
        Assert.True(persisted);
    }

    [Fact]
    public void StaleReportsAreRejected()
    {
        using var dir = new TempDir();
        using PdCluster cluster = OpenBootstrapped(dir);
        Assert.Null(cluster.HandleRegionHeartbeat(Report(2, "m", "", 3, 2, term: 5), out _));
        Assert.Null(cluster.HandleRegionHeartbeat(Report(7, "", "m", 3, 2, term: 5, leaderPeer: 8), out _));

        // Lower version than the cached copy.
        Pdpb.Error? e = cluster.HandleRegionHeartbeat(Report(2, "m", "", 2, 2, term: 5), out bool persisted);
        Assert.Equal(Pdpb.ErrorType.Unknown, e!.Type);
        Assert.StartsWith("region is stale", e.Message);
        Assert.False(persisted);
        // Lower conf_ver.
        Assert.NotNull(cluster.HandleRegionHeartbeat(Report(2, "m", "", 3, 1, term: 5), out _));
        // Lower term.
        Assert.NotNull(cluster.HandleRegionHeartbeat(Report(2, "m", "", 3, 2, term: 4), out _));
        // Term 0 means "not reported": not stale by term.
        Assert.Null(cluster.HandleRegionHeartbeat(Report(2, "m", "", 3, 2, term: 0), out _));
        // A new region id whose range overlaps a region of a higher version.
        Assert.NotNull(cluster.HandleRegionHeartbeat(Report(9, "a", "c", 2, 1, leaderPeer: 10), out _));
        Assert.Equal(7UL, cluster.GetRegionByKey("b"u8)!.Id);
        // The same report with a version at least as high replaces the overlapped region and persists.
        Assert.Null(cluster.HandleRegionHeartbeat(Report(9, "", "m", 4, 1, leaderPeer: 10), out persisted));
        Assert.True(persisted);
        Assert.Null(cluster.GetRegionById(7));
    }

    [Fact]
    public void InvalidReportsAreRejected()
    {
        using var dir = new TempDir();
        using PdCluster cluster = OpenBootstrapped(dir);
        var noLeader = new RegionInfo(new Metapb.Region { Id = 2, Peers = { new Metapb.Peer { Id = 3, StoreId = 1 } } });
        Assert.StartsWith("invalid request leader", cluster.HandleRegionHeartbeat(noLeader, out _)!.Message);
        var noPeers = RegionInfo.FromHeartbeat(new Pdpb.RegionHeartbeatRequest
        {
            Region = new Metapb.Region { Id = 2 },
            Leader = new Metapb.Peer { Id = 3, StoreId = 1 },
        });
        Assert.StartsWith("invalid region, zero region peer count", cluster.HandleRegionHeartbeat(noPeers, out _)!.Message);
    }

    [Fact]
    public void ReplacedRegionsAreDeletedFromStorageAcrossRestart()
    {
        using var dir = new TempDir();
        using (PdCluster cluster = OpenBootstrapped(dir))
        {
            Assert.Null(cluster.HandleRegionHeartbeat(Report(2, "m", "", 2, 1), out _));
            Assert.Null(cluster.HandleRegionHeartbeat(Report(5, "", "m", 2, 1, leaderPeer: 6), out _));
            // Merge back: 2 covers everything, 5 is gone.
            Assert.Null(cluster.HandleRegionHeartbeat(Report(2, "", "", 3, 1), out bool persisted));
            Assert.True(persisted);
        }
        using (PdCluster cluster = PdCluster.Open(new PdOptions { DataDir = dir.Sub("pd") }))
        {
            Assert.Equal(1, cluster.Regions.Count);
            Assert.Equal(3UL, cluster.GetRegionById(2)!.Epoch.Version);
            Assert.Null(cluster.GetRegionById(5));
            Assert.Null(cluster.GetRegionById(2)!.Leader); // leaders come back with the next heartbeat
        }
    }

    [Fact]
    public void NotBootstrappedClusterRefusesStoreAndRegionWrites()
    {
        using var dir = new TempDir();
        using PdCluster cluster = PdCluster.Open(new PdOptions { DataDir = dir.Sub("pd") });
        Assert.Equal(Pdpb.ErrorType.NotBootstrapped, cluster.PutStore(new Metapb.Store { Id = 1, Address = "a" })!.Type);
        Assert.Equal(Pdpb.ErrorType.NotBootstrapped, cluster.StoreHeartbeat(new Pdpb.StoreStats { StoreId = 1 })!.Type);
        Assert.Equal(Pdpb.ErrorType.NotBootstrapped, cluster.HandleRegionHeartbeat(Report(2, "", "", 1, 1), out _)!.Type);
        Assert.Equal(Pdpb.ErrorType.NotBootstrapped, cluster.AskBatchSplit(new Metapb.Region(), 1, [])!.Type);
    }

    [Fact]
    public void AskBatchSplitAllocatesRegionThenPeerIdsPerSplit()
    {
        using var dir = new TempDir();
        using PdCluster cluster = OpenBootstrapped(dir);
        Assert.Null(cluster.HandleRegionHeartbeat(Report(2, "", "", 1, 3, peerIds: [3, 4, 5]), out _));
        ulong before = cluster.Ids.Current;
        var ids = new List<Pdpb.SplitID>();
        Metapb.Region region = cluster.GetRegionById(2)!.Meta;
        Assert.Null(cluster.AskBatchSplit(region, 2, ids));
        Assert.Equal(2, ids.Count);
        Assert.Equal(before + 1, ids[0].NewRegionId);
        Assert.Equal([before + 2, before + 3, before + 4], ids[0].NewPeerIds.ToArray());
        Assert.Equal(before + 5, ids[1].NewRegionId);
        Assert.Equal([before + 6, before + 7, before + 8], ids[1].NewPeerIds.ToArray());
        Assert.Equal(Pdpb.ErrorType.RegionNotFound, cluster.AskBatchSplit(null, 1, [])!.Type);
        // ReportBatchSplit checks adjacency only.
        var l = new Metapb.Region { Id = 1, EndKey = ByteString.CopyFromUtf8("m") };
        var r = new Metapb.Region { Id = 2, StartKey = ByteString.CopyFromUtf8("m") };
        var gap = new Metapb.Region { Id = 2, StartKey = ByteString.CopyFromUtf8("n") };
        Assert.Null(cluster.ReportBatchSplit([l, r]));
        Assert.Equal("invalid split region", cluster.ReportBatchSplit([l, gap])!.Message);
        Assert.Equal("invalid split region", cluster.ReportBatchSplit([l])!.Message);
    }

    [Fact]
    public void TombstoneStoreIsRefused()
    {
        using var dir = new TempDir();
        using (PdCluster cluster = OpenBootstrapped(dir))
        {
            // No API removes a store yet; write a tombstone record as PD's store removal would.
            cluster.Storage.SaveStore(new Metapb.Store { Id = 4, Address = "s4", State = Metapb.StoreState.Tombstone, NodeState = Metapb.NodeState.Removed });
        }
        using (PdCluster cluster = PdCluster.Open(new PdOptions { DataDir = dir.Sub("pd") }))
        {
            Assert.Equal(Pdpb.ErrorType.StoreTombstone, cluster.PutStore(new Metapb.Store { Id = 4, Address = "s4" })!.Type);
            Assert.Equal(Pdpb.ErrorType.StoreTombstone, cluster.StoreHeartbeat(new Pdpb.StoreStats { StoreId = 4 })!.Type);
            Assert.Equal([1UL], cluster.GetAllStores(excludeTombstone: true).ConvertAll(s => s.Id));
            Assert.Equal([1UL, 4UL], cluster.GetAllStores(excludeTombstone: false).ConvertAll(s => s.Id));
            // Its address may be reused by a new store.
            Assert.Null(cluster.PutStore(new Metapb.Store { Id = 5, Address = "s4" }));
        }
    }
}
