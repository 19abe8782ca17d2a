using System.Text;
using ManagedKv.Node.Store;
using ManagedKv.Raft;

namespace ManagedKv.Node.Tests.Cluster;

/// <summary>
/// A deterministic in-process cluster: N stores (each with its own folder, RaftEngine, LsmDb and StoreWriter), M
/// regions with one peer per store, a simulated transport and a step loop (deliver, tick, ready, durable writes,
/// apply). The writer threads are real; each step waits for them, so a seed replays the same run.
/// </summary>
public sealed class TestCluster : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Random _rng;
    private int _seq;

    public TestCluster(int storeCount, int regionCount, int seed, long targetFileSize = 256 << 10)
    {
        _rng = new Random(seed);
        Transport = new SimTransport();
        var storeIds = new List<ulong>();
        for (int i = 1; i <= storeCount; i++)
        {
            storeIds.Add((ulong)i);
        }

        StoreIds = storeIds;
        foreach (ulong id in storeIds)
        {
            var store = new TestStore(id, Path.Combine(_dir.Path, "store" + id), Transport, targetFileSize);
            store.Open();
            for (ulong r = 1; r <= (ulong)regionCount; r++)
            {
                store.Bootstrap(TestEngines.NewRegion(r, Encoding.UTF8.GetBytes($"r{r:D3}"), Encoding.UTF8.GetBytes($"r{r + 1:D3}"), storeIds));
            }

            Stores.Add(store);
        }

        RegionCount = regionCount;
    }

    public SimTransport Transport { get; }

    public List<TestStore> Stores { get; } = [];

    public IReadOnlyList<ulong> StoreIds { get; }

    public int RegionCount { get; }

    /// <summary>Proposed (and accepted by a leader) while every store was up and connected: must all apply.</summary>
    public Dictionary<string, string> MustApply { get; } = [];

    public long Steps { get; private set; }

    public TestStore Store(ulong id) => Stores[(int)id - 1];

    /// <summary>Each region campaigns on a different store, so leaders spread and elections are quick.</summary>
    public void CampaignSpread()
    {
        foreach (TestStore s in Stores)
        {
            foreach (Peer p in s.Peers.Values)
            {
                if ((p.RegionId % (ulong)Stores.Count) + 1 == s.Id)
                {
                    p.Campaign();
                }
            }
        }
    }

    public void Step()
    {
        Steps++;
        foreach ((ulong from, ulong to, ulong region, byte[] bytes) in Transport.TakeAll())
        {
            TestStore target = Store(to);
            if (!target.IsUp || !Store(from).IsUp || Transport.IsCut(from, to))
            {
                Transport.CountDrop();
                continue;
            }

            int pos = 0;
            Message m = MessageCodec.Decode(bytes, ref pos);
            target.Peers[region].Step(m);
        }

        foreach (TestStore s in Stores)
        {
            if (s.IsUp)
            {
                foreach (Peer p in s.Peers.Values)
                {
                    p.Tick();
                }

                s.HandleReadies();
            }
        }

        foreach (TestStore s in Stores)
        {
            if (s.IsUp)
            {
                s.WaitAndProcessWrites();
            }
        }
    }

    public void Run(int steps)
    {
        for (int i = 0; i < steps; i++)
        {
            Step();
        }
    }

    /// <summary>Proposes <paramref name="count"/> puts to random regions' leaders.</summary>
    public int ProposeRandom(int count, bool mustApply)
    {
        int accepted = 0;
        for (int i = 0; i < count; i++)
        {
            ulong region = (ulong)_rng.Next(1, RegionCount + 1);
            Peer? leader = Leader(region);
            if (leader is null)
            {
                continue;
            }

            string key = $"r{region:D3}/k{_seq++:D6}";
            byte[] noise = new byte[_rng.Next(0, 150)];
            _rng.NextBytes(noise);
            string value = $"v{_rng.Next():X8}" + Convert.ToHexString(noise);
            if (leader.ProposeWrite(PutApplier.Encode(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value))) == RaftResult.Ok)
            {
                accepted++;
                if (mustApply)
                {
                    MustApply[key] = value;
                }
            }
        }

        return accepted;
    }

    public Peer? Leader(ulong region)
    {
        foreach (TestStore s in Stores)
        {
            if (s.IsUp && s.Peers[region].IsLeader)
            {
                return s.Peers[region];
            }
        }

        return null;
    }

    /// <summary>Runs until every region has a leader and all up stores applied the same index per region.</summary>
    public void Settle(int maxSteps = 2000)
    {
        for (int i = 0; i < maxSteps; i++)
        {
            Step();
            if (Converged())
            {
                return;
            }
        }

        Assert.Fail($"no convergence within {maxSteps} steps: {Describe()}");
    }

    public bool Converged()
    {
        for (ulong r = 1; r <= (ulong)RegionCount; r++)
        {
            Peer? leader = Leader(r);
            if (leader is null)
            {
                return false;
            }

            ulong last = leader.Storage.LastIndex();
            foreach (TestStore s in Stores)
            {
                if (s.IsUp && (s.Peers[r].Storage.AppliedIndex != last || s.Peers[r].Storage.LastIndex() != last))
                {
                    return false;
                }
            }
        }

        return true;
    }

    public string Describe()
    {
        var sb = new StringBuilder();
        for (ulong r = 1; r <= (ulong)RegionCount; r++)
        {
            sb.Append($"r{r}[");
            foreach (TestStore s in Stores)
            {
                if (s.IsUp)
                {
                    PeerStorage st = s.Peers[r].Storage;
                    sb.Append($" s{s.Id}:{(s.Peers[r].IsLeader ? "L" : "")}{st.FirstIndex()}-{st.LastIndex()}/a{st.AppliedIndex}");
                }
            }

            sb.Append(" ] ");
        }

        return sb.ToString();
    }

    /// <summary>All up stores hold the same data, and it includes every must-apply proposal.</summary>
    public void AssertDataConverged()
    {
        SortedDictionary<string, string>? first = null;
        foreach (TestStore s in Stores)
        {
            if (!s.IsUp)
            {
                continue;
            }

            SortedDictionary<string, string> data = s.Data();
            if (first is null)
            {
                first = data;
                foreach ((string k, string v) in MustApply)
                {
                    Assert.True(data.TryGetValue(k, out string? got), $"store {s.Id} lacks {k}");
                    Assert.Equal(v, got);
                }
            }
            else
            {
                Assert.Equal(first.Count, data.Count);
                Assert.Equal(first, data);
            }
        }
    }

    public void Dispose()
    {
        foreach (TestStore s in Stores)
        {
            s.Dispose();
        }

        _dir.Dispose();
    }
}
