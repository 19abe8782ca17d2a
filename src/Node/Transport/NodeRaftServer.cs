using System.Net;
using ManagedKv.Node.Batch;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ManagedKv.Node.Transport;

/// <summary>
/// A node's gRPC server: Kestrel, HTTP/2 cleartext, serving <see cref="RaftTransportService"/> for the store's
/// <see cref="Router"/> (and whatever <see cref="NodeRaftServerOptions.MapServices"/> adds). Start with
/// <see cref="StartAsync"/>, stop with <see cref="DisposeAsync"/> (open streams get
/// <see cref="NodeRaftServerOptions.ShutdownTimeout"/>, then are aborted).
/// </summary>
public sealed class NodeRaftServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TimeSpan _shutdownTimeout;
    private int _disposed;

    private NodeRaftServer(WebApplication app, RaftTransportService service, string listenAddress, TimeSpan shutdownTimeout)
    {
        _app = app;
        _shutdownTimeout = shutdownTimeout;
        Service = service;
        ListenAddress = listenAddress;
    }

    /// <summary>The Raft transport service (its counters).</summary>
    public RaftTransportService Service { get; }

    /// <summary>The bound host:port (the real port when port 0 was asked for); what other stores dial.</summary>
    public string ListenAddress { get; }

    /// <summary>Starts serving the Raft transport of the store behind <paramref name="router"/>.</summary>
    public static async Task<NodeRaftServer> StartAsync(Router router, NodeRaftServerOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(router);
        options ??= new NodeRaftServerOptions();
        (IPAddress ip, int port) = ManagedKv.Hosting.ListenAddress.Parse(options.ListenAddress);
        var service = new RaftTransportService(router);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(ip, port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = options.MaxReceiveMessageBytes);
        builder.Services.AddSingleton(service);
        options.ConfigureServices?.Invoke(builder);
        WebApplication app = builder.Build();
        try
        {
            app.MapGrpcService<RaftTransportService>();
            options.MapServices?.Invoke(app);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            IServerAddressesFeature? feature = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
            string bound = feature?.Addresses.FirstOrDefault()
                ?? throw new InvalidOperationException("Kestrel reported no listening address");
            var uri = new Uri(bound);
            return new NodeRaftServer(app, service, $"{uri.Host}:{uri.Port}", options.ShutdownTimeout);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops serving: open streams get the shutdown timeout, then are aborted.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using (var deadline = new CancellationTokenSource(_shutdownTimeout))
        {
            await _app.StopAsync(deadline.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
