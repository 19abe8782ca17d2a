using System.Text;
using ManagedKv.Lsm;
using ManagedKv.Node.Batch;
using ManagedKv.Node.Store;
using ManagedKv.Node.Tests.Cluster;

namespace ManagedKv.Node.Tests.Batch;

/// <summary>One store of the batch harness: engines, and a <see cref="StoreSystem"/> (writer, router, pools, timer).</summary>
public sealed class BatchTestStore : IDisposable
{
    private readonly InMemoryTransport _transport;
    private readonly BatchSystemOptions _options;

    public BatchTestStore(ulong id, string dir, InMemoryTransport transport, BatchSystemOptions options)
    {
        Id = id;
        Dir = dir;
        _transport = transport;
        _options = options;
    }

    public ulong Id { get; }

    public string Dir { get; }

    public StoreEngines? Engines { get; private set; }

    public StoreSystem? System { get; private set; }

    public Router Router => System!.Router;

    public bool IsUp => System is not null;

    /// <summary>The test makes this store fail on purpose (Close then expects a fatal error).</summary>
    public bool ExpectFatal { get; set; }

    public void OpenEngines() => Engines = TestEngines.Open(Dir);

    public void Start()
    {
        System = StoreSystem.Start(Id, Engines!, _transport.SinkFor(Id), new PutApplier(), _options);
        _transport.Connect(Id, System.Router);
    }

    public void Close()
    {
        _transport.Connect(Id, null);
        System!.Dispose();
        Assert.True(ExpectFatal == (System.FatalError is not null), $"store {Id}: fatal error {System.FatalError}");
        Engines!.Dispose();
        System = null;
        Engines = null;
    }

    public SortedDictionary<string, string> Data()
    {
        var data = new SortedDictionary<string, string>(StringComparer.Ordinal);
        using LsmIterator it = Engines!.KvDb.NewIterator();
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            data[Encoding.UTF8.GetString(it.Key)] = Encoding.UTF8.GetString(it.Value);
        }

        return data;
    }

    public void Dispose()
    {
        if (IsUp)
        {
            Close();
        }
        else
        {
            Engines?.Dispose();
        }
    }
}
