using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using ManagedKv.Node.Batch;
using ManagedKv.Node.Transport;
using ManagedKv.Raft;
using Mkvraft;
using Xunit.Abstractions;

namespace ManagedKv.Node.Tests.Transport;

public sealed class GrpcRaftTransportTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    private static int Seed()
    {
        string? s = Environment.GetEnvironmentVariable("MANAGEDKV_SEED");
        return s is null ? Random.Shared.Next() : int.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static BatchSystemOptions Options() => new()
    {
        RaftThreads = 2,
        ApplyThreads = 2,
        BaseTickInterval = TimeSpan.FromMilliseconds(50),
        RaftLogGcTicks = 4,
        RaftLogGcThreshold = 20,
        MaxSizePerMsg = 64 << 10,
        MaxInflightMsgs = 64,
    };

    /// <summary>Proposes <paramref name="count"/> puts from <paramref name="threads"/> threads over every region, each
    /// retried until applied; records them in <paramref name="expected"/>.</summary>
    private static async Task ProposeAsync(GrpcTestCluster cluster, int seed, string phase, int threads, int count,
        ConcurrentDictionary<string, string> expected)
    {
        var workers = new Task[threads];
        for (int t = 0; t < threads; t++)
        {
            int thread = t;
            workers[t] = Task.Run(async () =>
            {
                var rng = new Random(seed + thread);
                var inflight = new List<Task>();
                for (int i = 0; i < count / threads; i++)
                {
                    ulong region = (ulong)rng.Next(1, cluster.RegionCount + 1);
                    string key = $"r{region:D4}/{phase}/t{thread}/k{i:D6}";
                    string value = $"v{rng.Next():X8}";
                    expected[key] = value;
                    inflight.Add(cluster.ProposeUntilAppliedAsync(region, GrpcTestCluster.Put(key, value), s_timeout));
                    if (inflight.Count >= 32)
                    {
                        await Task.WhenAll(inflight);
                        inflight.Clear();
                    }
                }

                await Task.WhenAll(inflight);
            });
        }

        await Task.WhenAll(workers);
    }

    [Fact]
    public async Task ProposalsFromManyThreads_OverGrpc_AllApply_AndStoresConverge()
    {
        int seed = Seed();
        output.WriteLine($"seed {seed}");
        await using GrpcTestCluster cluster = await GrpcTestCluster.StartAsync(3, 100, Options());
        cluster.CampaignSpread();
        await cluster.WaitForLeadersAsync(s_timeout);

        var expected = new ConcurrentDictionary<string, string>();
        RaftTransportStats before = cluster.TotalStats();
        var sw = Stopwatch.StartNew();
        await ProposeAsync(cluster, seed, "a", threads: 6, count: 3000, expected);
        double seconds = sw.Elapsed.TotalSeconds;
        RaftTransportStats during = cluster.TotalStats();
        await cluster.WaitConvergedAsync(s_timeout);
        cluster.AssertData(expected);

        RaftTransportStats total = cluster.TotalStats();
        long messages = during.MessagesSent - before.MessagesSent;
        long batches = during.Batches - before.Batches;
        output.WriteLine($"{expected.Count} proposals in {seconds:F2} s ({expected.Count / seconds:F0}/s); messages {messages} " +
            $"({messages / seconds:F0}/s), batches {batches} ({batches / seconds:F0}/s, {(double)messages / Math.Max(1, batches):F1} messages per batch), " +
            $"bytes {during.Bytes - before.Bytes}; whole run: {total}");
        Assert.True(total.Batches < total.MessagesSent, $"no batching: {total}");
        Assert.True(batches < messages, $"no batching during the load: {messages} messages in {batches} batches");
        foreach (GrpcTestStore s in cluster.Stores)
        {
            // Every store talks to the two others over one stream each (no reconnect: nothing failed after startup).
            Assert.Equal(2, s.Transport!.TargetStores.Count);
            Assert.True(s.Server!.Service.MessagesReceived > 0);
            Assert.Equal(0, s.Server.Service.DecodeErrors);
            Assert.Equal(0, s.Server.Service.WrongStoreRefused);
        }
    }

    [Fact]
    public async Task StoppedStore_RestartsOnNewPort_ClusterKeepsElecting_AndStoreCatchesUp()
    {
        int seed = Seed();
        output.WriteLine($"seed {seed}");
        await using GrpcTestCluster cluster = await GrpcTestCluster.StartAsync(3, 100, Options());
        cluster.CampaignSpread();
        await cluster.WaitForLeadersAsync(s_timeout);
        var expected = new ConcurrentDictionary<string, string>();
        await ProposeAsync(cluster, seed, "a", threads: 4, count: 600, expected);

        GrpcTestStore down = cluster.Store(2);
        string oldAddress = down.Server!.ListenAddress;
        int ledByDown = 0;
        for (ulong r = 1; r <= (ulong)cluster.RegionCount; r++)
        {
            ledByDown += cluster.LeaderStore(r) == 2 ? 1 : 0;
        }

        await down.CloseAsync();
        cluster.Resolver.Remove(2);

        // The two others re-elect the regions store 2 led, and keep applying.
        await cluster.WaitForLeadersAsync(s_timeout);
        await ProposeAsync(cluster, seed + 100, "b", threads: 4, count: 600, expected);
        RaftTransportStats toDown = cluster.Store(1).Transport!.GetStats(2) + cluster.Store(3).Transport!.GetStats(2);
        Assert.True(toDown.Failures > 0 && toDown.MessagesDropped > 0, $"sends to the stopped store: {toDown}");

        // Same data directory, new port: the resolver learns the new address and the senders reconnect to it.
        down.OpenEngines();
        await down.StartAsync();
        output.WriteLine($"store 2 led {ledByDown} regions; moved {oldAddress} -> {down.Server.ListenAddress}");
        await ProposeAsync(cluster, seed + 200, "c", threads: 4, count: 600, expected);
        await cluster.WaitConvergedAsync(s_timeout);
        cluster.AssertData(expected);

        RaftTransportStats after = cluster.Store(1).Transport!.GetStats(2) + cluster.Store(3).Transport!.GetStats(2);
        Assert.True(after.Connects >= 4, $"senders to store 2 did not reconnect: {after}");
        Assert.True(down.Server.Service.MessagesReceived > 0);
        output.WriteLine($"to store 2 over the run: {after}");
    }

    [Fact]
    public async Task GarbageEnvelope_IsRefused_WithoutStoppingTheServer()
    {
        await using GrpcTestCluster cluster = await GrpcTestCluster.StartAsync(3, 10, Options());
        cluster.CampaignSpread();
        await cluster.WaitForLeadersAsync(s_timeout);
        GrpcTestStore target = cluster.Store(1);
        using GrpcChannel channel = GrpcChannel.ForAddress("http://" + target.Server!.ListenAddress);
        var client = new RaftTransport.RaftTransportClient(channel);
        byte[] heartbeat = new byte[64];
        int n = MessageCodec.Encode(new Message { Type = MessageType.MsgHeartbeat, To = 1, From = 2, Term = 1 }, heartbeat);

        // An envelope for another store is refused and counted; the stream goes on and ends normally.
        using (AsyncClientStreamingCall<RaftBatch, RaftDone> call = client.Send())
        {
            var batch = new RaftBatch();
            batch.Messages.Add(new RaftEnvelope { RegionId = 1, FromStore = 2, ToStore = 7, Message = ByteString.CopyFrom(heartbeat, 0, n) });
            await call.RequestStream.WriteAsync(batch);
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        }

        Assert.Equal(1, target.Server.Service.WrongStoreRefused);

        // Undecodable bytes end the stream with INVALID_ARGUMENT.
        foreach (byte[] garbage in new[] { new byte[] { 0xFF, 0x00, 0x01 }, heartbeat[..(n - 1)], [], heartbeat[..(n + 3)] })
        {
            using AsyncClientStreamingCall<RaftBatch, RaftDone> call = client.Send();
            var batch = new RaftBatch();
            batch.Messages.Add(new RaftEnvelope { RegionId = 1, FromStore = 2, ToStore = 1, Message = ByteString.CopyFrom(garbage) });
            await call.RequestStream.WriteAsync(batch);
            RpcException e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        }

        Assert.Equal(4, target.Server.Service.DecodeErrors);

        // The server and the cluster keep working.
        var expected = new ConcurrentDictionary<string, string>();
        await ProposeAsync(cluster, 1, "after", threads: 2, count: 100, expected);
        await cluster.WaitConvergedAsync(s_timeout);
        cluster.AssertData(expected);
        Assert.Null(target.System!.FatalError);
    }

    [Fact]
    public async Task UnreachableStore_MessagesAreDroppedAndCounted()
    {
        var resolver = new StaticStoreAddressResolver();
        resolver.Set(9, "127.0.0.1:1"); // nothing listens on port 1: connection refused
        var transport = new GrpcRaftTransport(1, resolver, new GrpcRaftTransportOptions
        {
            InitialBackoff = TimeSpan.FromMilliseconds(10),
            MaxBackoff = TimeSpan.FromMilliseconds(50),
            MaxQueuedMessages = 8,
        });
        var message = new Message { Type = MessageType.MsgHeartbeat, To = 9, From = 1, Term = 3 };
        for (int i = 0; i < 1000; i++)
        {
            transport.Send(1, 9, message);
            transport.Send(1, 0, message); // no store: dropped at once
        }

        var sw = Stopwatch.StartNew();
        while (transport.GetStats(9).MessagesDropped < 1000)
        {
            Assert.True(sw.Elapsed < s_timeout, $"not all dropped: {transport.GetStats(9)}");
            await Task.Delay(10);
        }

        RaftTransportStats stats = transport.GetStats(9);
        Assert.Equal(0, stats.MessagesSent);
        Assert.Equal(0, stats.Batches);
        Assert.True(stats.Failures >= 1);
        Assert.Equal(2000, transport.TotalStats.MessagesDropped);
        await transport.DisposeAsync();
        transport.Send(1, 9, message); // after dispose: dropped, no throw
        Assert.Equal(2001, transport.TotalStats.MessagesDropped);
    }
}
