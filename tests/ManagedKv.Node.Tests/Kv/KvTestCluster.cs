using System.Diagnostics;
using ManagedKv.Lsm;
using ManagedKv.Node.Batch;
using ManagedKv.Node.Kv;
using ManagedKv.Node.Store;
using ManagedKv.Node.Tests.Batch;
using ManagedKv.Txn;

namespace ManagedKv.Node.Tests.Kv;

/// <summary>
/// Three stores in one process, each with engines (Txn column families configured), a <see cref="StoreSystem"/> applying
/// through a <see cref="KvApplyHandler"/>, a <see cref="RaftKvEngine"/>, and a <see cref="RawStore"/> and
/// <see cref="TxnStorage"/> over it; joined by an <see cref="InMemoryTransport"/>. Region i covers ranges[i-1].
/// </summary>
public sealed class KvTestCluster : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly TempDir _dir = new();

    public KvTestCluster(params (string Start, string End)[] ranges)
    {
        Transport = new InMemoryTransport(3);
        ulong[] storeIds = [1, 2, 3];
        foreach (ulong id in storeIds)
        {
            StoreEngines engines = OpenEngines(id);
            for (int r = 0; r < ranges.Length; r++)
            {
                PeerStorage.BootstrapRegion(engines, TestEngines.NewRegion((ulong)r + 1, B(ranges[r].Start), B(ranges[r].End), storeIds));
            }

            Stores.Add(StartNode(id, engines));
        }

        RegionCount = ranges.Length;
    }

    /// <summary>Closes store <paramref name="id"/> (system and engines) and starts it again from disk.</summary>
    public KvNode Restart(ulong id)
    {
        KvNode old = Store(id);
        Transport.Connect(id, null);
        old.System.Dispose();
        Assert.Null(old.System.FatalError);
        old.Engines.Dispose();
        KvNode node = StartNode(id, OpenEngines(id));
        Stores[(int)id - 1] = node;
        return node;
    }

    private StoreEngines OpenEngines(ulong id) =>
        StoreEngines.Open(Path.Combine(_dir.Path, "store" + id), TestEngines.RaftOptions(), KvColumnFamilies.Configure(TestEngines.KvOptions()));

    private KvNode StartNode(ulong id, StoreEngines engines)
    {
        var applier = new KvApplyHandler(engines);
        StoreSystem system = StoreSystem.Start(id, engines, Transport.SinkFor(id), applier, ReadIndexTests.Options());
        Transport.Connect(id, system.Router);
        var engine = new RaftKvEngine(system.Router, engines.KvDb, applier, s_timeout);
        return new KvNode(id, engines, applier, system, engine, new RawStore(engine), new TxnStorage(engine));
    }

    public InMemoryTransport Transport { get; }

    public List<KvNode> Stores { get; } = [];

    public int RegionCount { get; }

    public KvNode Store(ulong id) => Stores[(int)id - 1];

    public static byte[] B(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    /// <summary>Elects store 1 for every region and waits for it to lead and commit its term's first entry.</summary>
    public KvNode ElectStore1()
    {
        var sw = Stopwatch.StartNew();
        for (ulong r = 1; r <= (ulong)RegionCount; r++)
        {
            Store(1).System.Router.Campaign(r);
            while (!Store(1).System.Router.GetPeer(r)!.IsLeader || !Store(1).System.Router.ReadIndexAsync(r).Result.IsOk)
            {
                Assert.True(sw.Elapsed < s_timeout, $"store 1 did not become leader of region {r}");
                Thread.Sleep(20);
                if (!Store(1).System.Router.GetPeer(r)!.IsLeader)
                {
                    // Another store may have won an election on its own timeout first; with check quorum its
                    // followers then refuse store 1's votes, so ask that leader to hand over (peer id r*100+1).
                    KvNode? other = null;
                    foreach (KvNode n in Stores)
                    {
                        if (n != Store(1) && n.System.Router.GetPeer(r)!.IsLeader)
                        {
                            other = n;
                        }
                    }
                    if (other is not null)
                    {
                        other.System.Router.TransferLeader(r, (r * 100) + 1);
                    }
                    else
                    {
                        Store(1).System.Router.Campaign(r);
                    }
                }
            }
        }

        return Store(1);
    }

    /// <summary>Waits until every store applied the same index for every region, twice in a row.</summary>
    public void WaitConverged()
    {
        var sw = Stopwatch.StartNew();
        int stable = 0;
        while (stable < 2)
        {
            Assert.True(sw.Elapsed < s_timeout, "applied indexes did not converge");
            bool equal = true;
            for (ulong r = 1; r <= (ulong)RegionCount; r++)
            {
                ulong a = Store(1).System.Router.GetPeer(r)!.Apply.AppliedIndex;
                equal &= Stores.TrueForAll(s => s.System.Router.GetPeer(r)!.Apply.AppliedIndex == a);
            }

            stable = equal ? stable + 1 : 0;
            Thread.Sleep(20);
        }
    }

    public void Dispose()
    {
        foreach (KvNode s in Stores)
        {
            Transport.Connect(s.Id, null);
            s.System.Dispose();
            Assert.Null(s.System.FatalError);
            s.Engines.Dispose();
        }

        _dir.Dispose();
    }

    /// <summary>One store of the cluster.</summary>
    public sealed record KvNode(ulong Id, StoreEngines Engines, KvApplyHandler Applier, StoreSystem System, RaftKvEngine Engine, RawStore Raw, TxnStorage Txn)
    {
        /// <summary>Every (cf, key, value) of the Txn column families, keys as stored (with the data prefix).</summary>
        public List<(EngineCf Cf, string Key, string Value)> DataDump()
        {
            var dump = new List<(EngineCf, string, string)>();
            for (int i = 0; i < EngineCfNames.Count; i++)
            {
                using LsmIterator it = Engines.KvDb.NewIterator(Applier.ColumnFamilies[i]);
                for (it.SeekToFirst(); it.Valid; it.Next())
                {
                    dump.Add(((EngineCf)i, Convert.ToHexString(it.Key), Convert.ToHexString(it.Value)));
                }
            }

            return dump;
        }
    }
}
