// End to end over HTTP/2: the generated pdpb client against PdServer.
using Google.Protobuf;
using Grpc.Core;
using ManagedKv.Pd.Tests.Util;
using Pdpb;

namespace ManagedKv.Pd.Tests.Server;

public sealed class PdGrpcTests
{
    private static DateTime Deadline() => PdTestServer.Deadline();

    private static void AssertOk(ResponseHeader header, ulong clusterId)
    {
        Assert.Null(header.Error);
        Assert.Equal(clusterId, header.ClusterId);
    }

    /// <summary>TiKV's start-up (TIKV-PD-BEHAVIOUR.md §1): returns (storeId, regionId, peerId).</summary>
    private static async Task<(ulong Store, ulong Region, ulong Peer)> BootstrapLikeTikvAsync(PdTestServer pd, string address)
    {
        PD.PDClient c = pd.Client;
        ulong storeId = (await c.AllocIDAsync(new AllocIDRequest { Header = pd.Header }, deadline: Deadline())).Id;
        IsBootstrappedResponse isb = await c.IsBootstrappedAsync(new IsBootstrappedRequest { Header = pd.Header }, deadline: Deadline());
        Assert.False(isb.Bootstrapped);
        ulong regionId = (await c.AllocIDAsync(new AllocIDRequest { Header = pd.Header }, deadline: Deadline())).Id;
        ulong peerId = (await c.AllocIDAsync(new AllocIDRequest { Header = pd.Header }, deadline: Deadline())).Id;
        var store = new Metapb.Store { Id = storeId, Address = address, Version = "8.5.0" };
        var region = new Metapb.Region
        {
            Id = regionId,
            RegionEpoch = new Metapb.RegionEpoch { ConfVer = 1, Version = 1 },
            Peers = { new Metapb.Peer { Id = peerId, StoreId = storeId } },
        };
        BootstrapResponse boot = await c.BootstrapAsync(new BootstrapRequest { Header = pd.Header, Store = store, Region = region },
            deadline: Deadline());
        AssertOk(boot.Header, pd.Server.ClusterId);
        return (storeId, regionId, peerId);
    }

    [Fact]
    public async Task HealthServiceAnswersServing()
    {
        // The Go PD client polls grpc.health.v1.Health on every member.
        using var dir = new TempDir();
        await using PdTestServer pd = await PdTestServer.StartAsync(dir);
        var health = new Grpc.Health.V1.Health.HealthClient(pd.Channel);
        Grpc.Health.V1.HealthCheckResponse reply = await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest(), deadline: Deadline());
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    [Fact]
    public async Task TikvBootstrapSequence()
    {
        using var dir = new TempDir();
        await using PdTestServer pd = await PdTestServer.StartAsync(dir);
        PD.PDClient c = pd.Client;

        GetMembersResponse members = await c.GetMembersAsync(new GetMembersRequest { Header = new RequestHeader() }, deadline: Deadline());
        Assert.Equal(pd.Server.ClusterId, members.Header.ClusterId);
        Assert.Single(members.Members);
        Assert.Equal(pd.Server.ClientUrl.ToString().TrimEnd('/'), members.Leader.ClientUrls[0]);
        Assert.Equal(members.Leader.MemberId, members.Members[0].MemberId);
        Assert.Equal(pd.Server.ListenAddress, new Uri(members.Leader.ClientUrls[0]).Authority);

        // Before bootstrap: store RPCs answer NOT_BOOTSTRAPPED.
        GetAllStoresResponse early = await c.GetAllStoresAsync(new GetAllStoresRequest { Header = pd.Header }, deadline: Deadline());
        Assert.Equal(ErrorType.NotBootstrapped, early.Header.Error.Type);

        (ulong storeId, ulong regionId, ulong peerId) = await BootstrapLikeTikvAsync(pd, "127.0.0.1:20160");
        Assert.Equal((1UL, 2UL, 3UL), (storeId, regionId, peerId));

        BootstrapResponse again = await c.BootstrapAsync(new BootstrapRequest
        {
            Header = pd.Header,
            Store = new Metapb.Store { Id = storeId, Address = "127.0.0.1:20160" },
            Region = new Metapb.Region { Id = regionId, Peers = { new Metapb.Peer { Id = peerId, StoreId = storeId } } },
        }, deadline: Deadline());
        Assert.Equal(ErrorType.AlreadyBootstrapped, again.Header.Error.Type);
        Assert.True((await c.IsBootstrappedAsync(new IsBootstrappedRequest { Header = pd.Header }, deadline: Deadline())).Bootstrapped);

        PutStoreResponse put = await c.PutStoreAsync(new PutStoreRequest
        {
            Header = pd.Header,
            Store = new Metapb.Store { Id = storeId, Address = "127.0.0.1:20160", StatusAddress = "127.0.0.1:20180", Version = "8.5.0" },
        }, deadline: Deadline());
        AssertOk(put.Header, pd.Server.ClusterId);

        GetStoreResponse got = await c.GetStoreAsync(new GetStoreRequest { Header = pd.Header, StoreId = storeId }, deadline: Deadline());
        AssertOk(got.Header, pd.Server.ClusterId);
        Assert.Equal("127.0.0.1:20160", got.Store.Address);
        Assert.Equal("127.0.0.1:20180", got.Store.StatusAddress);
        Assert.Equal(Metapb.StoreState.Up, got.Store.State);

        GetStoreResponse missing = await c.GetStoreAsync(new GetStoreRequest { Header = pd.Header, StoreId = 77 }, deadline: Deadline());
        Assert.Equal(ErrorType.Unknown, missing.Header.Error.Type);
        Assert.Equal("invalid store ID 77, not found", missing.Header.Error.Message);

        // A second store on a fresh id, then one reusing the first's address.
        ulong store2 = (await c.AllocIDAsync(new AllocIDRequest { Header = pd.Header }, deadline: Deadline())).Id;
        AssertOk((await c.PutStoreAsync(new PutStoreRequest
        {
            Header = pd.Header,
            Store = new Metapb.Store { Id = store2, Address = "127.0.0.1:20161" },
        }, deadline: Deadline())).Header, pd.Server.ClusterId);
        PutStoreResponse dup = await c.PutStoreAsync(new PutStoreRequest
        {
            Header = pd.Header,
            Store = new Metapb.Store { Id = store2 + 1, Address = "127.0.0.1:20160" },
        }, deadline: Deadline());
        Assert.Equal(ErrorType.Unknown, dup.Header.Error.Type);
        Assert.StartsWith("duplicated store address", dup.Header.Error.Message);

        GetAllStoresResponse all = await c.GetAllStoresAsync(new GetAllStoresRequest { Header = pd.Header, ExcludeTombstoneStores = true },
            deadline: Deadline());
        Assert.Equal([storeId, store2], all.Stores.Select(s => s.Id).ToArray());

        StoreHeartbeatResponse hb = await c.StoreHeartbeatAsync(new StoreHeartbeatRequest
        {
            Header = pd.Header,
            Stats = new StoreStats { StoreId = storeId, Capacity = 100, Available = 60, RegionCount = 1 },
        }, deadline: Deadline());
        AssertOk(hb.Header, pd.Server.ClusterId);
        got = await c.GetStoreAsync(new GetStoreRequest { Header = pd.Header, StoreId = storeId }, deadline: Deadline());
        Assert.Equal(60UL, got.Stats.Available);
        Assert.True(got.Store.LastHeartbeat > 0);

        // The bootstrap region is routable, without a leader until its first heartbeat.
        GetRegionResponse region = await c.GetRegionAsync(new GetRegionRequest { Header = pd.Header, RegionKey = ByteString.CopyFromUtf8("any") },
            deadline: Deadline());
        Assert.Equal(regionId, region.Region.Id);
        GetClusterConfigResponse config = await c.GetClusterConfigAsync(new GetClusterConfigRequest { Header = pd.Header }, deadline: Deadline());
        Assert.Equal(pd.Server.ClusterId, config.Cluster.Id);
        Assert.Equal(3U, config.Cluster.MaxPeerCount);
    }

    [Fact]
    public async Task BootstrapRejectsInvalidRequests()
    {
        using var dir = new TempDir();
        await using PdTestServer pd = await PdTestServer.StartAsync(dir);
        var store = new Metapb.Store { Id = 1, Address = "a:1" };
        var cases = new (Metapb.Store? Store, Metapb.Region? Region, string Message)[]
        {
            (null, null, "missing store meta for bootstrap"),
            (new Metapb.Store { Address = "a:1" }, null, "invalid zero store id"),
            (store, null, "missing region meta for bootstrap 1"),
            (store, new Metapb.Region { Id = 2, StartKey = ByteString.CopyFromUtf8("a"), Peers = { new Metapb.Peer { Id = 3, StoreId = 1 } } },
                "invalid first region key range, must all be empty"),
            (store, new Metapb.Region { Peers = { new Metapb.Peer { Id = 3, StoreId = 1 } } }, "invalid zero region id"),
            (store, new Metapb.Region { Id = 2 }, "invalid first region peer count 0, must be 1"),
            (store, new Metapb.Region { Id = 2, Peers = { new Metapb.Peer { Id = 3, StoreId = 9 } } }, "invalid peer store id 9 != 1"),
        };
        foreach (var (s, r, message) in cases)
        {
            var request = new BootstrapRequest { Header = pd.Header };
            if (s is not null)
            {
                request.Store = s;
            }
            if (r is not null)
            {
                request.Region = r;
            }
            BootstrapResponse response = await pd.Client.BootstrapAsync(request, deadline: Deadline());
            Assert.Equal(ErrorType.Unknown, response.Header.Error.Type);
            Assert.Equal(message, response.Header.Error.Message);
        }
        Assert.False(pd.Server.Cluster.IsBootstrapped);
    }

    [Fact]
    public async Task ClusterIdMismatchIsFailedPrecondition()
    {
        using var dir = new TempDir();
        await using PdTestServer pd = await PdTestServer.StartAsync(dir);
        ulong wrong = pd.Server.ClusterId + 1;
        var bad = new RequestHeader { ClusterId = wrong };
        string expected = $"mismatch cluster id, need {pd.Server.ClusterId} but got {wrong}";

        RpcException e = await Assert.ThrowsAsync<RpcException>(async () =>
            await pd.Client.AllocIDAsync(new AllocIDRequest { Header = bad }, deadline: Deadline()));
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Equal(expected, e.Status.Detail);

        e = await Assert.ThrowsAsync<RpcException>(async () =>
            await pd.Client.GetRegionAsync(new GetRegionRequest(), deadline: Deadline()));
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Equal($"mismatch cluster id, need {pd.Server.ClusterId} but got 0", e.Status.Detail);

        // The TSO stream checks each request.
        using AsyncDuplexStreamingCall<TsoRequest, TsoResponse> tso = pd.Client.Tso(deadline: Deadline());
        await tso.RequestStream.WriteAsync(new TsoRequest { Header = bad, Count = 1 });
        e = await Assert.ThrowsAsync<RpcException>(async () => await tso.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Equal(expected, e.Status.Detail);

        // GetMembers is not checked.
        GetMembersResponse members = await pd.Client.GetMembersAsync(new GetMembersRequest { Header = bad }, deadline: Deadline());
        Assert.Equal(pd.Server.ClusterId, members.Header.ClusterId);
    }

    [Fact]
    public async Task TsoStreamServesSeveralRequests()
    {
        using var dir = new TempDir();
        await using PdTestServer pd = await PdTestServer.StartAsync(dir);
        using AsyncDuplexStreamingCall<TsoRequest, TsoResponse> call = pd.Client.Tso(deadline: Deadline());
        ulong previous = 0;
        for (uint i = 1; i <= 20; i++)
        {
            await call.RequestStream.WriteAsync(new TsoRequest { Header = pd.Header, Count = i });
            Assert.True(await call.ResponseStream.MoveNext());
            TsoResponse r = call.ResponseStream.Current;
            AssertOk(r.Header, pd.Server.ClusterId);
            Assert.Equal(i, r.Count);
            ulong last = ((ulong)r.Timestamp.Physical << 18) | (ulong)r.Timestamp.Logical;
            ulong first = last - i + 1;
            Assert.True(first > previous, $"request {i}: block starts at {first}, previous ended at {previous}");
            Assert.True(r.Timestamp.Logical >= i);
            previous = last;
        }
        await call.RequestStream.WriteAsync(new TsoRequest { Header = pd.Header, Count = 0 });
        RpcException e = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Unknown, e.StatusCode);
        Assert.Contains("tso count should be positive", e.Status.Detail);
    }

    [Fact]
    public async Task AllocIdBatchAnswersLastIdAndCount()
    {
        using var dir = new TempDir();
        await using PdTestServer pd = await PdTestServer.StartAsync(dir);
        AllocIDResponse one = await pd.Client.AllocIDAsync(new AllocIDRequest { Header = pd.Header, Count = 0 }, deadline: Deadline());
        Assert.Equal((1UL, 1U), (one.Id, one.Count));
        AllocIDResponse ten = await pd.Client.AllocIDAsync(new AllocIDRequest { Header = pd.Header, Count = 10 }, deadline: Deadline());
        Assert.Equal((11UL, 10U), (ten.Id, ten.Count));
    }

    private static RegionHeartbeatRequest Heartbeat(PdTestServer pd, ulong regionId, string start, string end, ulong version,
        ulong confVer, ulong peerId, ulong storeId, ulong term = 5) => new()
    {
        Header = pd.Header,
        Region = new Metapb.Region
        {
            Id = regionId,
            StartKey = ByteString.CopyFromUtf8(start),
            EndKey = ByteString.CopyFromUtf8(end),
            RegionEpoch = new Metapb.RegionEpoch { Version = version, ConfVer = confVer },
            Peers = { new Metapb.Peer { Id = peerId, StoreId = storeId } },
        },
        Leader = new Metapb.Peer { Id = peerId, StoreId = storeId },
        ApproximateSize = 1 << 20,
        ApproximateKeys = 1000,
        Term = term,
    };

    private static async Task<ulong?> RegionAtAsync(PdTestServer pd, string key)
    {
        GetRegionResponse r = await pd.Client.GetRegionAsync(new GetRegionRequest { Header = pd.Header, RegionKey = ByteString.CopyFromUtf8(key) },
            deadline: Deadline());
        Assert.Null(r.Header.Error);
        return r.Region?.Id;
    }

    [Fact]
    public async Task SplitReportedByHeartbeatsUpdatesRoutingAndStaleReportsDoNot()
    {
        using var dir = new TempDir();
        await using PdTestServer pd = await PdTestServer.StartAsync(dir);
        (ulong storeId, ulong regionId, ulong peerId) = await BootstrapLikeTikvAsync(pd, "127.0.0.1:20160");
        PD.PDClient c = pd.Client;

        using AsyncDuplexStreamingCall<RegionHeartbeatRequest, RegionHeartbeatResponse> hb = c.RegionHeartbeat(deadline: Deadline());
        await hb.RequestStream.WriteAsync(Heartbeat(pd, regionId, "", "", 1, 1, peerId, storeId));

        // AskBatchSplit: one new region id and one peer id per peer.
        AskBatchSplitResponse ask = await c.AskBatchSplitAsync(new AskBatchSplitRequest
        {
            Header = pd.Header,
            Region = Heartbeat(pd, regionId, "", "", 1, 1, peerId, storeId).Region,
            SplitCount = 1,
            Reason = SplitReason.Size,
        }, deadline: Deadline());
        Assert.Null(ask.Header.Error);
        SplitID split = Assert.Single(ask.Ids);
        Assert.Single(split.NewPeerIds);
        Assert.Equal(split.NewRegionId + 1, split.NewPeerIds[0]);
        ulong left = split.NewRegionId;
        ulong leftPeer = split.NewPeerIds[0];

        // Right-derive: the original id keeps ["m", +inf), the new id takes ["", "m"); version 1 -> 2.
        ReportBatchSplitResponse report = await c.ReportBatchSplitAsync(new ReportBatchSplitRequest
        {
            Header = pd.Header,
            Regions =
            {
                Heartbeat(pd, left, "", "m", 2, 1, leftPeer, storeId).Region,
                Heartbeat(pd, regionId, "m", "", 2, 1, peerId, storeId).Region,
            },
        }, deadline: Deadline());
        Assert.Null(report.Header.Error);
        Assert.Equal(regionId, await RegionAtAsync(pd, "a")); // ReportBatchSplit does not change routing

        await hb.RequestStream.WriteAsync(Heartbeat(pd, left, "", "m", 2, 1, leftPeer, storeId));
        await hb.RequestStream.WriteAsync(Heartbeat(pd, regionId, "m", "", 2, 1, peerId, storeId));
        await WaitForAsync(async () => await RegionAtAsync(pd, "a") == left && await RegionAtAsync(pd, "z") == regionId);

        GetRegionResponse byKey = await c.GetRegionAsync(new GetRegionRequest { Header = pd.Header, RegionKey = ByteString.CopyFromUtf8("m") },
            deadline: Deadline());
        Assert.Equal(regionId, byKey.Region.Id);
        Assert.Equal(peerId, byKey.Leader.Id);
        GetRegionResponse prev = await c.GetPrevRegionAsync(new GetRegionRequest { Header = pd.Header, RegionKey = ByteString.CopyFromUtf8("q") },
            deadline: Deadline());
        Assert.Equal(left, prev.Region.Id);
        GetRegionResponse byId = await c.GetRegionByIDAsync(new GetRegionByIDRequest { Header = pd.Header, RegionId = left }, deadline: Deadline());
        Assert.Equal("m", byId.Region.EndKey.ToStringUtf8());
        Assert.Equal(leftPeer, byId.Leader.Id);
        GetRegionResponse none = await c.GetRegionByIDAsync(new GetRegionByIDRequest { Header = pd.Header, RegionId = 999 }, deadline: Deadline());
        Assert.Null(none.Header.Error);
        Assert.Null(none.Region);

        ScanRegionsResponse scan = await c.ScanRegionsAsync(new ScanRegionsRequest { Header = pd.Header, Limit = 10 }, deadline: Deadline());
        Assert.Equal([left, regionId], scan.Regions.Select(r => r.Region_.Id).ToArray());
        Assert.Equal([left, regionId], scan.RegionMetas.Select(r => r.Id).ToArray());
        Assert.Equal([leftPeer, peerId], scan.Leaders.Select(p => p.Id).ToArray());
        scan = await c.ScanRegionsAsync(new ScanRegionsRequest { Header = pd.Header, StartKey = ByteString.CopyFromUtf8("n"), Limit = 10 },
            deadline: Deadline());
        Assert.Equal([regionId], scan.Regions.Select(r => r.Region_.Id).ToArray());
        scan = await c.ScanRegionsAsync(new ScanRegionsRequest { Header = pd.Header, EndKey = ByteString.CopyFromUtf8("m"), Limit = 10 },
            deadline: Deadline());
        Assert.Equal([left], scan.Regions.Select(r => r.Region_.Id).ToArray());

        // Stale reports: the pre-split region (older version than both), an older conf_ver, a lower term.
        await hb.RequestStream.WriteAsync(Heartbeat(pd, regionId, "", "", 1, 1, peerId, storeId));
        await AssertStaleAsync(hb, regionId);
        await hb.RequestStream.WriteAsync(Heartbeat(pd, left, "", "m", 2, 0, leftPeer, storeId));
        await AssertStaleAsync(hb, left);
        await hb.RequestStream.WriteAsync(Heartbeat(pd, left, "", "m", 2, 1, leftPeer, storeId, term: 4));
        await AssertStaleAsync(hb, left);
        Assert.Equal(left, await RegionAtAsync(pd, "a"));
        Assert.Equal(regionId, await RegionAtAsync(pd, "z"));

        // AskBatchSplit with an epoch older than PD's copy is refused.
        AskBatchSplitResponse old = await c.AskBatchSplitAsync(new AskBatchSplitRequest
        {
            Header = pd.Header,
            Region = Heartbeat(pd, regionId, "m", "", 1, 1, peerId, storeId).Region,
            SplitCount = 1,
        }, deadline: Deadline());
        Assert.Equal(ErrorType.Unknown, old.Header.Error.Type);
        Assert.StartsWith("invalid region epoch", old.Header.Error.Message);

        await hb.RequestStream.CompleteAsync();
        Assert.False(await hb.ResponseStream.MoveNext());
    }

    private static async Task AssertStaleAsync(AsyncDuplexStreamingCall<RegionHeartbeatRequest, RegionHeartbeatResponse> hb, ulong regionId)
    {
        Assert.True(await hb.ResponseStream.MoveNext());
        RegionHeartbeatResponse r = hb.ResponseStream.Current;
        Assert.Equal(ErrorType.Unknown, r.Header.Error.Type);
        Assert.StartsWith("region is stale", r.Header.Error.Message);
        Assert.Equal(regionId, r.RegionId);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 10 s");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task RestartKeepsRegionsStoresSafePointAndIds()
    {
        using var dir = new TempDir();
        ulong clusterId;
        ulong left;
        ulong lastId;
        ulong maxTs;
        var clock = new ManualClock(1_700_000_000_000);
        await using (PdTestServer pd = await PdTestServer.StartAsync(dir, clock))
        {
            clusterId = pd.Server.ClusterId;
            (ulong storeId, ulong regionId, ulong peerId) = await BootstrapLikeTikvAsync(pd, "127.0.0.1:20160");
            left = pd.Server.Cluster.AllocId(1);
            ulong leftPeer = pd.Server.Cluster.AllocId(1);
            using (AsyncDuplexStreamingCall<RegionHeartbeatRequest, RegionHeartbeatResponse> hb = pd.Client.RegionHeartbeat(deadline: Deadline()))
            {
                await hb.RequestStream.WriteAsync(Heartbeat(pd, left, "", "k", 2, 1, leftPeer, storeId));
                await hb.RequestStream.WriteAsync(Heartbeat(pd, regionId, "k", "", 2, 1, peerId, storeId));
                await hb.RequestStream.CompleteAsync();
                Assert.False(await hb.ResponseStream.MoveNext());
            }
            UpdateGCSafePointResponse gc = await pd.Client.UpdateGCSafePointAsync(new UpdateGCSafePointRequest { Header = pd.Header, SafePoint = 500 },
                deadline: Deadline());
            Assert.Equal(500UL, gc.NewSafePoint);
            gc = await pd.Client.UpdateGCSafePointAsync(new UpdateGCSafePointRequest { Header = pd.Header, SafePoint = 400 }, deadline: Deadline());
            Assert.Equal(500UL, gc.NewSafePoint); // never moves back
            lastId = pd.Server.Cluster.AllocId(1);
            maxTs = pd.Server.Cluster.Tso.Allocate(10).Composed;
        }
        clock.Advance(-600_000);
        await using (PdTestServer pd = await PdTestServer.StartAsync(dir, clock))
        {
            Assert.Equal(clusterId, pd.Server.ClusterId);
            Assert.True((await pd.Client.IsBootstrappedAsync(new IsBootstrappedRequest { Header = pd.Header }, deadline: Deadline())).Bootstrapped);
            Assert.Equal(left, await RegionAtAsync(pd, "a"));
            Assert.NotEqual(left, await RegionAtAsync(pd, "k"));
            Assert.Equal(2, pd.Server.Cluster.Regions.Count);
            GetStoreResponse store = await pd.Client.GetStoreAsync(new GetStoreRequest { Header = pd.Header, StoreId = 1 }, deadline: Deadline());
            Assert.Equal("127.0.0.1:20160", store.Store.Address);
            GetGCSafePointResponse gc = await pd.Client.GetGCSafePointAsync(new GetGCSafePointRequest { Header = pd.Header }, deadline: Deadline());
            Assert.Equal(500UL, gc.SafePoint);
            AllocIDResponse id = await pd.Client.AllocIDAsync(new AllocIDRequest { Header = pd.Header }, deadline: Deadline());
            Assert.True(id.Id > lastId);
            using AsyncDuplexStreamingCall<TsoRequest, TsoResponse> tso = pd.Client.Tso(deadline: Deadline());
            await tso.RequestStream.WriteAsync(new TsoRequest { Header = pd.Header, Count = 1 });
            Assert.True(await tso.ResponseStream.MoveNext());
            Timestamp t = tso.ResponseStream.Current.Timestamp;
            Assert.True((((ulong)t.Physical << 18) | (ulong)t.Logical) > maxTs);
        }
    }

    [Fact]
    public async Task RegionHeartbeatBeforeBootstrapAnswersNotBootstrappedAndEnds()
    {
        using var dir = new TempDir();
        await using PdTestServer pd = await PdTestServer.StartAsync(dir);
        using AsyncDuplexStreamingCall<RegionHeartbeatRequest, RegionHeartbeatResponse> hb = pd.Client.RegionHeartbeat(deadline: Deadline());
        await hb.RequestStream.WriteAsync(Heartbeat(pd, 2, "", "", 1, 1, 3, 1));
        Assert.True(await hb.ResponseStream.MoveNext());
        Assert.Equal(ErrorType.NotBootstrapped, hb.ResponseStream.Current.Header.Error.Type);
        Assert.False(await hb.ResponseStream.MoveNext());
        GetRegionResponse region = await pd.Client.GetRegionAsync(new GetRegionRequest { Header = pd.Header }, deadline: Deadline());
        Assert.Equal(ErrorType.NotBootstrapped, region.Header.Error.Type);
    }

    [Fact]
    public async Task RegionHeartbeatFromUnknownStoreEndsTheStream()
    {
        using var dir = new TempDir();
        await using PdTestServer pd = await PdTestServer.StartAsync(dir);
        await BootstrapLikeTikvAsync(pd, "127.0.0.1:20160");
        using AsyncDuplexStreamingCall<RegionHeartbeatRequest, RegionHeartbeatResponse> hb = pd.Client.RegionHeartbeat(deadline: Deadline());
        await hb.RequestStream.WriteAsync(Heartbeat(pd, 2, "", "", 1, 1, 3, storeId: 42));
        RpcException e = await Assert.ThrowsAsync<RpcException>(async () => await hb.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Unknown, e.StatusCode);
        Assert.Equal("invalid store ID 42, not found", e.Status.Detail);
    }

    [Fact]
    public async Task ConcurrentHeartbeatStreamsFromSeveralStores()
    {
        using var dir = new TempDir();
        await using PdTestServer pd = await PdTestServer.StartAsync(dir);
        (ulong store1, ulong region1, ulong peer1) = await BootstrapLikeTikvAsync(pd, "127.0.0.1:20160");
        const int stores = 3;
        const int regionsPerStore = 50;
        var storeIds = new ulong[stores];
        storeIds[0] = store1;
        for (int s = 1; s < stores; s++)
        {
            storeIds[s] = pd.Server.Cluster.AllocId(1);
            Assert.Null(pd.Server.Cluster.PutStore(new Metapb.Store { Id = storeIds[s], Address = $"127.0.0.1:{20160 + s}" }));
        }
        // Region i covers [k{i:000}, k{i+1:000}); the bootstrap region shrinks to [k{max}, +inf) first.
        int total = stores * regionsPerStore;
        using (var first = pd.Client.RegionHeartbeat(deadline: Deadline()))
        {
            await first.RequestStream.WriteAsync(Heartbeat(pd, region1, $"k{total:000}", "", 2, 1, peer1, store1));
            await first.RequestStream.CompleteAsync();
            Assert.False(await first.ResponseStream.MoveNext());
        }
        ulong baseId = pd.Server.Cluster.AllocId((uint)(2 * total)) - (ulong)(2 * total);
        await Task.WhenAll(Enumerable.Range(0, stores).Select(async s =>
        {
            using AsyncDuplexStreamingCall<RegionHeartbeatRequest, RegionHeartbeatResponse> hb = pd.Client.RegionHeartbeat(deadline: Deadline());
            for (int j = 0; j < regionsPerStore; j++)
            {
                int i = s * regionsPerStore + j;
                string start = i == 0 ? "" : $"k{i:000}";
                await hb.RequestStream.WriteAsync(Heartbeat(pd, baseId + 1 + (ulong)(2 * i), start, $"k{i + 1:000}", 2, 1,
                    baseId + 2 + (ulong)(2 * i), storeIds[s]));
            }
            await hb.RequestStream.CompleteAsync();
            Assert.False(await hb.ResponseStream.MoveNext());
        }));
        ScanRegionsResponse scan = await pd.Client.ScanRegionsAsync(new ScanRegionsRequest { Header = pd.Header }, deadline: Deadline());
        Assert.Equal(total + 1, scan.Regions.Count);
        for (int i = 0; i < total; i++)
        {
            Assert.Equal(baseId + 1 + (ulong)(2 * i), scan.Regions[i].Region_.Id);
            Assert.Equal(storeIds[i / regionsPerStore], scan.Regions[i].Leader.StoreId);
        }
        Assert.Equal(region1, scan.Regions[total].Region_.Id);
    }

    [Fact]
    public async Task GetClusterInfoAnswersPdModeWithoutClusterIdCheck()
    {
        using var dir = new TempDir();
        await using PdTestServer pd = await PdTestServer.StartAsync(dir);
        GetClusterInfoResponse info = await pd.Client.GetClusterInfoAsync(new GetClusterInfoRequest(), deadline: Deadline());
        Assert.Equal([ServiceMode.PdSvcMode], info.ServiceModes.ToArray());
    }
}
