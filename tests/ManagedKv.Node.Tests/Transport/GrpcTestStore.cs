using System.Text;
using ManagedKv.Lsm;
using ManagedKv.Node.Batch;
using ManagedKv.Node.Store;
using ManagedKv.Node.Tests.Cluster;
using ManagedKv.Node.Transport;

namespace ManagedKv.Node.Tests.Transport;

/// <summary>One store of the gRPC harness: engines, a <see cref="StoreSystem"/>, its <see cref="GrpcRaftTransport"/>
/// and a <see cref="NodeRaftServer"/> on 127.0.0.1 with an ephemeral port, registered in the shared resolver.</summary>
public sealed class GrpcTestStore : IAsyncDisposable
{
    private readonly StaticStoreAddressResolver _resolver;
    private readonly BatchSystemOptions _options;
    private readonly GrpcRaftTransportOptions _transportOptions;

    public GrpcTestStore(ulong id, string dir, StaticStoreAddressResolver resolver, BatchSystemOptions options, GrpcRaftTransportOptions transportOptions)
    {
        Id = id;
        Dir = dir;
        _resolver = resolver;
        _options = options;
        _transportOptions = transportOptions;
    }

    public ulong Id { get; }

    public string Dir { get; }

    public StoreEngines? Engines { get; private set; }

    public StoreSystem? System { get; private set; }

    public GrpcRaftTransport? Transport { get; private set; }

    public NodeRaftServer? Server { get; private set; }

    public Router Router => System!.Router;

    public bool IsUp => System is not null;

    public void OpenEngines() => Engines = TestEngines.Open(Dir);

    public async Task StartAsync()
    {
        Transport = new GrpcRaftTransport(Id, _resolver, _transportOptions);
        System = StoreSystem.Start(Id, Engines!, Transport, new PutApplier(), _options);
        Server = await NodeRaftServer.StartAsync(System.Router, new NodeRaftServerOptions
        {
            ListenAddress = "127.0.0.1:0",
            ShutdownTimeout = TimeSpan.FromMilliseconds(200),
        });
        _resolver.Set(Id, Server.ListenAddress);
    }

    /// <summary>Stops serving, then the batch system (no more sends), then the transport, then closes the engines.</summary>
    public async Task CloseAsync()
    {
        await Server!.DisposeAsync();
        System!.Dispose();
        Assert.Null(System.FatalError);
        await Transport!.DisposeAsync();
        Engines!.Dispose();
        Server = null;
        System = null;
        Transport = null;
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

    public async ValueTask DisposeAsync()
    {
        if (IsUp)
        {
            await CloseAsync();
        }
        else
        {
            Engines?.Dispose();
        }
    }
}
