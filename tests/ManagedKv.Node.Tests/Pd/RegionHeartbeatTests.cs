using System.Collections.Concurrent;
using Google.Protobuf;
using ManagedKv.Node.Bootstrap;
using ManagedKv.Node.Pd;
using ManagedKv.Node.Store;
using Metapb;
using Pdpb;
using Region = Metapb.Region;

namespace ManagedKv.Node.Tests.Pd;

public sealed class RegionHeartbeatTests
{
    [Fact]
    public async Task HeartbeatStreamUpdatesRoutingAndDeliversResponses()
    {
        using var dir = new TempDir();
        await using TestPd pd = await TestPd.StartAsync(Path.Combine(dir.Path, "pd"));
        await using PdClient client = await pd.ConnectAsync();
        using StoreEngines engines = TestEngines.Open(Path.Combine(dir.Path, "store"));
        StoreIdent ident = await StoreBootstrapper.BootstrapAsync(engines, client, new Metapb.Store { Address = "127.0.0.1:20160" },
            new StoreBootstrapOptions { RetryInterval = TimeSpan.FromMilliseconds(20) });
        Region region = Assert.Single(engines.LoadRegionStates()).Region;
        Assert.Null((await client.GetRegionAsync(new byte[] { 0x61 }))!.Leader); // bootstrap gives no leader

        var responses = new ConcurrentQueue<RegionHeartbeatResponse>();
        client.SetRegionHeartbeatHandler(responses.Enqueue);
        Assert.True(client.ReportRegionHeartbeat(new RegionHeartbeatRequest
        {
            Region = region,
            Leader = region.Peers[0],
            ApproximateSize = 1 << 20,
            Term = 6,
        }));

        PdRegion routed = await WaitAsync(async () => await client.GetRegionAsync(new byte[] { 0x61 }) is { Leader: not null } r ? r : null);
        Assert.Equal(region, routed.Region);
        Assert.Equal(region.Peers[0], routed.Leader);
        Assert.Equal(routed.Region, (await client.GetRegionByIdAsync(region.Id))!.Region);
        Assert.Equal(region.Id, Assert.Single(await client.ScanRegionsAsync(ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty, 10)).Region.Id);

        // A stale report (epoch older than PD's copy): PD answers an error on the stream, which stays open.
        Region stale = region.Clone();
        stale.RegionEpoch = new RegionEpoch { ConfVer = 1, Version = 0 };
        client.ReportRegionHeartbeat(new RegionHeartbeatRequest { Region = stale, Leader = region.Peers[0], Term = 6 });
        RegionHeartbeatResponse error = await WaitAsync(() => Task.FromResult(responses.TryPeek(out RegionHeartbeatResponse? r) ? r : null));
        Assert.Equal(Pdpb.ErrorType.Unknown, error.Header.Error.Type);
        Assert.Equal(region.Id, error.RegionId);

        // The same stream carries a later split's heartbeats: the left half becomes a new region.
        IReadOnlyList<SplitID> ids = await client.AskBatchSplitAsync(region, 1);
        SplitID split = Assert.Single(ids);
        var left = new Region
        {
            Id = split.NewRegionId,
            EndKey = ByteString.CopyFrom(0x6D),
            RegionEpoch = new RegionEpoch { ConfVer = 1, Version = 2 },
            Peers = { new Metapb.Peer { Id = split.NewPeerIds[0], StoreId = ident.StoreId } },
        };
        Region right = region.Clone();
        right.StartKey = ByteString.CopyFrom(0x6D);
        right.RegionEpoch = new RegionEpoch { ConfVer = 1, Version = 2 };
        await client.ReportBatchSplitAsync([left, right]);
        client.ReportRegionHeartbeat(new RegionHeartbeatRequest { Region = left, Leader = left.Peers[0], Term = 6 });
        client.ReportRegionHeartbeat(new RegionHeartbeatRequest { Region = right, Leader = right.Peers[0], Term = 6 });
        await WaitAsync(async () => (await client.GetRegionAsync(new byte[] { 0x61 }))?.Region.Id == left.Id ? left : null);
        Assert.Equal(right, (await client.GetRegionAsync(new byte[] { 0x70 }))!.Region);
        Assert.Equal(1, client.RegionHeartbeatStreamCount);
        Assert.Equal(4, client.RegionHeartbeatsSent);
    }

    [Fact]
    public async Task StoreHeartbeatLoopReportsStats()
    {
        using var dir = new TempDir();
        await using TestPd pd = await TestPd.StartAsync(Path.Combine(dir.Path, "pd"));
        await using PdClient client = await pd.ConnectAsync();
        using StoreEngines engines = TestEngines.Open(Path.Combine(dir.Path, "store"));
        StoreIdent ident = await StoreBootstrapper.BootstrapAsync(engines, client, new Metapb.Store { Address = "127.0.0.1:20160" },
            new StoreBootstrapOptions { RetryInterval = TimeSpan.FromMilliseconds(20) });
        int responses = 0;
        await using (StoreHeartbeatLoop loop = StoreHeartbeatLoop.Start(client, ident.StoreId, () =>
        {
            var stats = new StoreStats { RegionCount = 1 };
            StoreHeartbeatLoop.FillDiskStats(stats, dir.Path, usedBytes: 4096);
            return stats;
        }, TimeSpan.FromMilliseconds(50), _ => Interlocked.Increment(ref responses)))
        {
            await WaitAsync(() => Task.FromResult(loop.HeartbeatsSent >= 3 ? loop : null));
            Assert.Equal(0, loop.Failures);
        }

        Assert.True(Volatile.Read(ref responses) >= 3);
    }

    private static async Task<T> WaitAsync<T>(Func<Task<T?>> probe) where T : class
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            if (await probe() is T value)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, "condition not reached in 10 s");
            await Task.Delay(10);
        }
    }
}
