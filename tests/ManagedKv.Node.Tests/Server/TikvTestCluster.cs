using System.Diagnostics;
using Grpc.Net.Client;
using ManagedKv.Node.Server;
using ManagedKv.Node.Tests.Kv;
using ManagedKv.Node.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ManagedKv.Node.Tests.Server;

/// <summary>
/// A <see cref="KvTestCluster"/> (3 stores, in-memory Raft transport) with a <see cref="TikvService"/> per store, hosted
/// on that store's <see cref="NodeRaftServer"/> (127.0.0.1, a free port), and a gRPC <see cref="Tikvpb.Tikv.TikvClient"/>
/// to each.
/// </summary>
public sealed class TikvTestCluster : IAsyncDisposable
{
    private readonly List<NodeRaftServer> _servers = [];
    private readonly List<GrpcChannel> _channels = [];

    private TikvTestCluster(KvTestCluster kv) => Kv = kv;

    public KvTestCluster Kv { get; }

    public List<TikvService> Services { get; } = [];

    public List<Tikvpb.Tikv.TikvClient> Clients { get; } = [];

    public Tikvpb.Tikv.TikvClient Client(ulong storeId) => Clients[(int)storeId - 1];

    public static async Task<TikvTestCluster> StartAsync(TikvServiceOptions? options, params (string Start, string End)[] ranges)
    {
        var cluster = new TikvTestCluster(new KvTestCluster(ranges));
        try
        {
            foreach (KvTestCluster.KvNode node in cluster.Kv.Stores)
            {
                var service = new TikvService(node.Engine, node.Raw, options);
                cluster.Services.Add(service);
                NodeRaftServer server = await NodeRaftServer.StartAsync(node.System.Router, new NodeRaftServerOptions
                {
                    ListenAddress = "127.0.0.1:0",
                    ConfigureServices = b => b.Services.AddSingleton(service),
                    MapServices = a => a.MapGrpcService<TikvService>(),
                });
                cluster._servers.Add(server);
                GrpcChannel channel = GrpcChannel.ForAddress("http://" + server.ListenAddress);
                cluster._channels.Add(channel);
                cluster.Clients.Add(new Tikvpb.Tikv.TikvClient(channel));
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>
    /// Campaigns store 1 for every region and waits until each region has a leader that answers a ReadIndex (whichever
    /// store won: an election timeout may have elected another first); returns the leader store of each region.
    /// </summary>
    public ulong[] WaitForLeaders()
    {
        var leaders = new ulong[Kv.RegionCount];
        var sw = Stopwatch.StartNew();
        for (ulong r = 1; r <= (ulong)Kv.RegionCount; r++)
        {
            Kv.Store(1).System.Router.Campaign(r);
            var sinceCampaign = Stopwatch.StartNew();
            while (leaders[r - 1] == 0)
            {
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"region {r} elected no leader");
                foreach (KvTestCluster.KvNode node in Kv.Stores)
                {
                    if (!node.System.Router.GetPeer(r)!.IsLeader)
                    {
                        continue;
                    }

                    Task<ManagedKv.Node.Batch.ReadIndexResult> read = node.System.Router.ReadIndexAsync(r);
                    if (read.Wait(TimeSpan.FromSeconds(1)) && read.Result.IsOk)
                    {
                        leaders[r - 1] = node.Id;
                        break;
                    }
                }

                if (leaders[r - 1] == 0)
                {
                    Thread.Sleep(20);
                    if (sinceCampaign.Elapsed > TimeSpan.FromSeconds(2))
                    {
                        Kv.Store(1).System.Router.Campaign(r);
                        sinceCampaign.Restart();
                    }
                }
            }
        }

        return leaders;
    }

    /// <summary>The context of region <paramref name="regionId"/> with the bootstrap epoch (conf_ver 1, version 1).</summary>
    public static Kvrpcpb.Context Ctx(ulong regionId, ulong version = 1) =>
        new() { RegionId = regionId, RegionEpoch = new Metapb.RegionEpoch { ConfVer = 1, Version = version } };

    public async ValueTask DisposeAsync()
    {
        foreach (GrpcChannel channel in _channels)
        {
            channel.Dispose();
        }

        foreach (NodeRaftServer server in _servers)
        {
            await server.DisposeAsync();
        }

        foreach (TikvService service in Services)
        {
            service.Dispose();
        }

        Kv.Dispose();
    }
}
