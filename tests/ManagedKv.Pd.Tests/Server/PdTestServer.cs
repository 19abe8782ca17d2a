// A PdServer on 127.0.0.1 with an ephemeral port and a client channel to it; data under a test directory that
// outlives restarts of the server within one test.
using Grpc.Net.Client;
using ManagedKv.Pd.Server;
using ManagedKv.Pd.Tests.Util;
using ManagedKv.Pd.Tso;

namespace ManagedKv.Pd.Tests.Server;

internal sealed class PdTestServer : IAsyncDisposable
{
    private PdTestServer(PdServer server, GrpcChannel channel)
    {
        Server = server;
        Channel = channel;
        Client = new Pdpb.PD.PDClient(channel);
    }

    public PdServer Server { get; }

    public GrpcChannel Channel { get; }

    public Pdpb.PD.PDClient Client { get; }

    public Pdpb.RequestHeader Header => new() { ClusterId = Server.ClusterId };

    public static async Task<PdTestServer> StartAsync(TempDir dir, IPdClock? clock = null)
    {
        var options = new PdOptions
        {
            DataDir = dir.Sub("pd"),
            ListenAddress = "127.0.0.1:0",
            TsoSaveInterval = TimeSpan.FromSeconds(3),
        };
        if (clock is not null)
        {
            options.Clock = clock;
        }
        PdServer server = await PdServer.StartAsync(options);
        return new PdTestServer(server, GrpcChannel.ForAddress(server.ClientUrl));
    }

    public static DateTime Deadline() => DateTime.UtcNow.AddSeconds(10);

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await Server.DisposeAsync();
    }
}
