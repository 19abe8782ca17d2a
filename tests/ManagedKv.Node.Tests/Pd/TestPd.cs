// An in-process PD (src/Pd) on 127.0.0.1 with an ephemeral port, restartable on the same port with the same data.
using ManagedKv.Node.Pd;
using ManagedKv.Pd.Server;

namespace ManagedKv.Node.Tests.Pd;

internal sealed class TestPd : IAsyncDisposable
{
    private readonly string _dataDir;
    private bool _stopped;

    private TestPd(string dataDir, PdServer server)
    {
        _dataDir = dataDir;
        Server = server;
        Endpoint = server.ListenAddress;
    }

    public PdServer Server { get; private set; }

    public string Endpoint { get; }

    public static async Task<TestPd> StartAsync(string dataDir) =>
        new(dataDir, await PdServer.StartAsync(new PdOptions { DataDir = dataDir, ListenAddress = "127.0.0.1:0" }));

    public static PdClientOptions FastOptions() => new()
    {
        InitialBackoff = TimeSpan.FromMilliseconds(20),
        MaxBackoff = TimeSpan.FromMilliseconds(200),
        RequestTimeout = TimeSpan.FromSeconds(5),
        RetryTimeout = TimeSpan.FromSeconds(10),
    };

    public Task<PdClient> ConnectAsync(PdClientOptions? options = null) => PdClient.ConnectAsync([Endpoint], options ?? FastOptions());

    /// <summary>
    /// Stops the PD the way a crash looks to its clients: open streams are aborted at once. PdServer.DisposeAsync alone
    /// shuts Kestrel down gracefully, waiting up to the host's 30 s shutdown timeout for the client's long-lived Tso and
    /// RegionHeartbeat streams to end; so its host is stopped first with an already-short deadline (reflection on the
    /// private <c>_app</c>: a test-only shortcut, PdServer has no abortive stop).
    /// </summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        var host = (Microsoft.Extensions.Hosting.IHost?)typeof(PdServer)
            .GetField("_app", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)?.GetValue(Server);
        if (host is not null)
        {
            using var abort = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            await host.StopAsync(abort.Token);
        }

        await Server.DisposeAsync();
    }

    /// <summary>Starts the PD again on the same address and data directory (after <see cref="StopAsync"/>).</summary>
    public async Task RestartAsync()
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                Server = await PdServer.StartAsync(new PdOptions { DataDir = _dataDir, ListenAddress = Endpoint });
                _stopped = false;
                return;
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100); // the port may still be held briefly
            }
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
