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
        new(dataDir, await PdServer.StartAsync(new PdOptions { DataDir = dataDir, ListenAddress = "127.0.0.1:0", ShutdownTimeout = TimeSpan.FromMilliseconds(100) }));

    public static PdClientOptions FastOptions() => new()
    {
        InitialBackoff = TimeSpan.FromMilliseconds(20),
        MaxBackoff = TimeSpan.FromMilliseconds(200),
        RequestTimeout = TimeSpan.FromSeconds(5),
        RetryTimeout = TimeSpan.FromSeconds(10),
    };

    public Task<PdClient> ConnectAsync(PdClientOptions? options = null) => PdClient.ConnectAsync([Endpoint], options ?? FastOptions());

    /// <summary>
    /// Stops the PD: open streams get <see cref="PdOptions.ShutdownTimeout"/> (100 ms here), then are aborted, as a
    /// crash looks to its clients.
    /// </summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
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
                Server = await PdServer.StartAsync(new PdOptions { DataDir = _dataDir, ListenAddress = Endpoint, ShutdownTimeout = TimeSpan.FromMilliseconds(100) });
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
