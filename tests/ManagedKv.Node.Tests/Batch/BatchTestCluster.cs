using System.Diagnostics;
using System.Text;
using ManagedKv.Node.Batch;
using ManagedKv.Node.Store;
using ManagedKv.Node.Tests.Cluster;

namespace ManagedKv.Node.Tests.Batch;

/// <summary>
/// Three (or N) stores in one process, each with its own engines and batch system (raft pool, apply pool, timer,
/// store writer), connected by an <see cref="InMemoryTransport"/>. Clients go through <see cref="Router.ProposeAsync"/>
/// and follow NotLeader hints.
/// </summary>
public sealed class BatchTestCluster : IDisposable
{
    private readonly TempDir? _dir;

    public BatchTestCluster(int storeCount, int regionCount, BatchSystemOptions options)
        : this(null, storeCount, regionCount, options)
    {
    }

    /// <summary>
    /// Stores under <paramref name="existingDir"/> (<c>store{id}</c>, as left by another process: not bootstrapped
    /// again, not deleted on dispose), or under a new temporary directory that is bootstrapped when null.
    /// </summary>
    public BatchTestCluster(string? existingDir, int storeCount, int regionCount, BatchSystemOptions options)
    {
        _dir = existingDir is null ? new TempDir() : null;
        string root = existingDir ?? _dir!.Path;
        Transport = new InMemoryTransport(storeCount);
        var storeIds = new List<ulong>();
        for (int i = 1; i <= storeCount; i++)
        {
            storeIds.Add((ulong)i);
        }

        foreach (ulong id in storeIds)
        {
            var store = new BatchTestStore(id, Path.Combine(root, "store" + id), Transport, options);
            store.OpenEngines();
            for (ulong r = 1; existingDir is null && r <= (ulong)regionCount; r++)
            {
                PeerStorage.BootstrapRegion(store.Engines!, TestEngines.NewRegion(r, Encoding.UTF8.GetBytes($"r{r:D4}"), Encoding.UTF8.GetBytes($"r{r + 1:D4}"), storeIds));
            }

            Stores.Add(store);
        }

        foreach (BatchTestStore s in Stores)
        {
            s.Start();
        }

        RegionCount = regionCount;
    }

    public InMemoryTransport Transport { get; }

    public List<BatchTestStore> Stores { get; } = [];

    public int RegionCount { get; }

    public BatchTestStore Store(ulong id) => Stores[(int)id - 1];

    /// <summary>Region r campaigns on store (r mod N) + 1, so leaders spread and elections start at once.</summary>
    public void CampaignSpread()
    {
        for (ulong r = 1; r <= (ulong)RegionCount; r++)
        {
            Store((r % (ulong)Stores.Count) + 1).Router.Campaign(r);
        }
    }

    public ulong? LeaderStore(ulong region)
    {
        foreach (BatchTestStore s in Stores)
        {
            if (s.IsUp && s.Router.GetPeer(region)!.IsLeader)
            {
                return s.Id;
            }
        }

        return null;
    }

    public void WaitForLeaders(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        for (ulong r = 1; r <= (ulong)RegionCount; r++)
        {
            while (LeaderStore(r) is null)
            {
                Assert.True(sw.Elapsed < timeout, $"region {r} has no leader after {timeout}");
                Thread.Sleep(10);
            }
        }
    }

    /// <summary>Proposes through any store, following NotLeader hints and retrying stale or leaderless answers, until
    /// applied. Returns the attempts.</summary>
    public async Task<int> ProposeUntilAppliedAsync(ulong region, byte[] command, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        ulong target = LeaderStore(region) ?? 1;
        int attempts = 0;
        while (true)
        {
            attempts++;
            BatchTestStore store = Store(target);
            ProposeResult result = store.IsUp
                ? await store.Router.ProposeAsync(region, command)
                : new ProposeResult(ProposeError.StoreStopped, region, 0, 0, null);
            if (result.IsOk)
            {
                Assert.Equal(region, result.RegionId);
                Assert.True(result.Index > 0);
                return attempts;
            }

            Assert.True(sw.Elapsed < timeout, $"region {region}: not applied within {timeout}, last answer {result}");
            Assert.NotEqual(ProposeError.RegionNotFound, result.Error);
            if (result.Error == ProposeError.NotLeader && result.Leader is Metapb.Peer leader && leader.StoreId != target)
            {
                target = leader.StoreId;
                continue;
            }

            await Task.Delay(5);
            target = LeaderStore(region) ?? ((target % (ulong)Stores.Count) + 1);
        }
    }

    /// <summary>Waits until every up store has applied the same index for every region, twice in a row.</summary>
    public void WaitConverged(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        int stable = 0;
        while (stable < 2)
        {
            Assert.True(sw.Elapsed < timeout, "applied indexes did not converge: " + Describe());
            stable = AppliedEqual() ? stable + 1 : 0;
            Thread.Sleep(20);
        }
    }

    public string Describe()
    {
        var sb = new StringBuilder();
        for (ulong r = 1; r <= (ulong)RegionCount && sb.Length < 2000; r++)
        {
            sb.Append($"r{r}[");
            foreach (BatchTestStore s in Stores)
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

    /// <summary>Every up store holds the same data (every region's keys), and it is exactly <paramref name="expected"/>.</summary>
    public void AssertData(IReadOnlyDictionary<string, string> expected)
    {
        foreach (BatchTestStore s in Stores)
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

    public void Dispose()
    {
        foreach (BatchTestStore s in Stores)
        {
            s.Dispose();
        }

        _dir?.Dispose();
    }

    private bool AppliedEqual()
    {
        for (ulong r = 1; r <= (ulong)RegionCount; r++)
        {
            ulong? applied = null;
            foreach (BatchTestStore s in Stores)
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

    public static byte[] Put(string key, string value) => PutApplier.Encode(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));
}
