using ManagedKv.Lsm;
using ManagedKv.Node.Store;
using ManagedKv.Raft;

namespace ManagedKv.Node.Tests.Cluster;

/// <summary>One store of the harness: its engines, its store writer, and a peer per region, all driven by the test
/// thread (the "peer thread" of every region here).</summary>
public sealed class TestStore : IDisposable
{
    private readonly SimTransport _transport;
    private readonly PutApplier _applier = new();
    private readonly ManualResetEventSlim _writeDone = new();
    private readonly Action<Peer> _onWriteDone;
    private readonly long _targetFileSize;

    public TestStore(ulong id, string dir, SimTransport transport, long targetFileSize)
    {
        Id = id;
        Dir = dir;
        _transport = transport;
        _targetFileSize = targetFileSize;
        _onWriteDone = _ => _writeDone.Set();
    }

    public ulong Id { get; }

    public string Dir { get; }

    public StoreEngines? Engines { get; private set; }

    public StoreWriter? Writer { get; private set; }

    public SortedDictionary<ulong, Peer> Peers { get; } = [];

    public bool IsUp => Engines is not null;

    public void Open()
    {
        Engines = TestEngines.Open(Dir, _targetFileSize);
        Writer = new StoreWriter(Engines.RaftEngine, new StoreWriterOptions { Sync = true });
        foreach (RegionLocalState state in Engines.LoadRegionStates())
        {
            AddPeer(state.Region.Id);
        }
    }

    public void Bootstrap(Metapb.Region region)
    {
        PeerStorage.BootstrapRegion(Engines!, region);
        AddPeer(region.Id);
    }

    public void Close()
    {
        Writer!.Dispose();
        Engines!.Dispose();
        Writer = null;
        Engines = null;
        Peers.Clear();
    }

    /// <summary>Handles every peer's Ready, waits until the store writer has made them durable, then processes the
    /// results (persisted messages, apply).</summary>
    public void HandleReadies()
    {
        foreach (Peer p in Peers.Values)
        {
            p.HandleReady();
        }
    }

    public void WaitAndProcessWrites()
    {
        foreach (Peer p in Peers.Values)
        {
            while (p.WritesInFlight)
            {
                _writeDone.Reset();
                if (p.WritesInFlight)
                {
                    Assert.True(_writeDone.Wait(TimeSpan.FromSeconds(30)), $"store {Id}: write tasks did not come back");
                }
            }

            p.ProcessWriteResults();
        }
    }

    /// <summary>Every key/value of the default CF.</summary>
    public SortedDictionary<string, string> Data()
    {
        var data = new SortedDictionary<string, string>(StringComparer.Ordinal);
        using LsmIterator it = Engines!.KvDb.NewIterator();
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            data[System.Text.Encoding.UTF8.GetString(it.Key)] = System.Text.Encoding.UTF8.GetString(it.Value);
        }

        return data;
    }

    public void Dispose()
    {
        if (IsUp)
        {
            Close();
        }

        _writeDone.Dispose();
    }

    private void AddPeer(ulong regionId)
    {
        PeerStorage storage = PeerStorage.Open(Engines!, regionId);
        var config = new RaftConfig
        {
            ElectionTick = 10,
            HeartbeatTick = 2,
            PreVote = true,
            CheckQuorum = true,
            MaxSizePerMsg = 64 << 10,
            MaxInflightMsgs = 64,
            RandomSeed = (Id * 1000003) + regionId,
        };
        Peers[regionId] = new Peer(Id, Engines!, storage, Writer!, _transport.SinkFor(Id), _applier, config, _onWriteDone);
    }
}
