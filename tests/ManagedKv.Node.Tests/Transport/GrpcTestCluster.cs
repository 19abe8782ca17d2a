using System.Diagnostics;
using System.Text;
using ManagedKv.Node.Batch;
using ManagedKv.Node.Store;
using ManagedKv.Node.Transport;

namespace ManagedKv.Node.Tests.Transport;

/// <summary>
/// N stores in one process, each with engines, a batch system and a gRPC server, joined by real gRPC streams on
/// 127.0.0.1 (the batch harness with <see cref="GrpcRaftTransport"/> in place of the in-memory transport). Clients
/// go through <see cref="Router.ProposeAsync"/> and follow NotLeader hints.
/// </summary>
public sealed class GrpcTestCluster : IAsyncDisposable
{
    private readonly TempDir _dir = new();

    private GrpcTestCluster(int regionCount) => RegionCount = regionCount;

    public StaticStoreAddressResolver Resolver { get; } = new();

    public List<GrpcTestStore> Stores { get; } = [];

    public int RegionCount { get; }

    public GrpcTestStore Store(ulong id) => Stores[(int)id - 1];

    public static async Task<GrpcTestCluster> StartAsync(int storeCount, int regionCount, BatchSystemOptions options, GrpcRaftTransportOptions? transportOptions = null)
    {
        var cluster = new GrpcTestCluster(regionCount);
        transportOptions ??= new GrpcRaftTransportOptions { InitialBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(200) };
        var storeIds = new List<ulong>();
        for (int i = 1; i <= storeCount; i++)
        {
            storeIds.Add((ulong)i);
        }

        foreach (ulong id in storeIds)
        {
            var store = new GrpcTestStore(id, Path.Combine(cluster._dir.Path, "store" + id), cluster.Resolver, options, transportOptions);
            store.OpenEngines();
            for (ulong r = 1; r <= (ulong)regionCount; r++)
            {
                PeerStorage.BootstrapRegion(store.Engines!, TestEngines.NewRegion(r, Encoding.UTF8.GetBytes($"r{r:D4}"), Encoding.UTF8.GetBytes($"r{r + 1:D4}"), storeIds));
            }

            cluster.Stores.Add(store);
        }

        foreach (GrpcTestStore s in cluster.Stores)
        {
            await s.StartAsync();
        }

        return cluster;
    }

    /// <summary>Region r campaigns on store (r mod N) + 1, so leaders spread.</summary>
    public void CampaignSpread()
    {
        for (ulong r = 1; r <= (ulong)RegionCount; r++)
        {
            Store((r % (ulong)Stores.Count) + 1).Router.Campaign(r);
        }
    }

    public ulong? LeaderStore(ulong region)
    {
        foreach (GrpcTestStore s in Stores)
        {
            if (s.IsUp && s.Router.GetPeer(region)!.IsLeader)
            {
                return s.Id;
            }
        }

        return null;
    }

    public async Task WaitForLeadersAsync(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        for (ulong r = 1; r <= (ulong)RegionCount; r++)
        {
            while (LeaderStore(r) is null)
            {
                Assert.True(sw.Elapsed < timeout, $"region {r} has no leader after {timeout}");
                await Task.Delay(10);
            }
        }
    }

    /// <summary>Proposes through any store, following NotLeader hints and retrying, until applied.</summary>
    public async Task ProposeUntilAppliedAsync(ulong region, byte[] command, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        ulong target = LeaderStore(region) ?? 1;
        while (true)
        {
            GrpcTestStore store = Store(target);
            ProposeResult result = store.IsUp
                ? await store.Router.ProposeAsync(region, command)
                : new ProposeResult(ProposeError.StoreStopped, region, 0, 0, null);
            if (result.IsOk)
            {
                return;
            }

            Assert.True(sw.Elapsed < timeout, $"region {region}: not applied within {timeout}, last answer {result}");
            Assert.NotEqual(ProposeError.RegionNotFound, result.Error);
            if (result.Error == ProposeError.NotLeader && result.Leader is Metapb.Peer leader && leader.StoreId != target && Store(leader.StoreId).IsUp)
            {
                target = leader.StoreId;
                continue;
            }

            await Task.Delay(5);
            target = LeaderStore(region) ?? ((target % (ulong)Stores.Count) + 1);
        }
    }

    /// <summary>Waits until every up store has applied the same index for every region, twice in a row.</summary>
    public async Task WaitConvergedAsync(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        int stable = 0;
        while (stable < 2)
        {
            Assert.True(sw.Elapsed < timeout, "applied indexes did not converge: " + Describe());
            stable = AppliedEqual() ? stable + 1 : 0;
            await Task.Delay(20);
        }
    }

    /// <summary>Every up store holds exactly <paramref name="expected"/>.</summary>
    public void AssertData(IReadOnlyDictionary<string, string> expected)
    {
        foreach (GrpcTestStore s in Stores)
        {
            if (!s.IsUp)
            {
                continue;
            }

            SortedDictionary<string, string> data = s.Data();
            Assert.True(expected.Count == data.Count, $"store {s.Id}: {data.Count} keys, expected {expected.Count}");
            foreach ((string k, string v) in expected)
            {
                Assert.True(data.TryGetValue(k, out string? got), $"store {s.Id} lacks {k}");
                Assert.Equal(v, got);
            }

            Assert.Null(s.System!.FatalError);
        }
    }

    public RaftTransportStats TotalStats()
    {
        var total = default(RaftTransportStats);
        foreach (GrpcTestStore s in Stores)
        {
            if (s.IsUp)
            {
                total += s.Transport!.TotalStats;
            }
        }

        return total;
    }

    public string Describe()
    {
        var sb = new StringBuilder();
        for (ulong r = 1; r <= (ulong)RegionCount && sb.Length < 2000; r++)
        {
            sb.Append($"r{r}[");
            foreach (GrpcTestStore s in Stores)
            {
                if (s.IsUp)
                {
                    PeerFsm p = s.Router.GetPeer(r)!;
                    sb.Append($" s{s.Id}:{(p.IsLeader ? "L" : "")}a{p.Apply.AppliedIndex}");
                }
            }

            sb.Append(" ] ");
        }

        return sb.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (GrpcTestStore s in Stores)
        {
            await s.DisposeAsync();
        }

        _dir.Dispose();
    }

    public static byte[] Put(string key, string value) => Cluster.PutApplier.Encode(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));

    private bool AppliedEqual()
    {
        for (ulong r = 1; r <= (ulong)RegionCount; r++)
        {
            ulong? applied = null;
            foreach (GrpcTestStore s in Stores)
            {
                if (!s.IsUp)
                {
                    continue;
                }

                ulong a = s.Router.GetPeer(r)!.Apply.AppliedIndex;
                if (applied is null)
                {
                    applied = a;
                }
                else if (applied != a)
                {
                    return false;
                }
            }
        }

        return true;
    }
}
