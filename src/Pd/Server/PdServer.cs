// One PD member served over gRPC: PdCluster (the core) behind the pdpb.PD service on Kestrel, HTTP/2 cleartext
// (what TiKV and its clients speak). Single member, so it is always the leader; GetMembers advertises the bound
// address. Start with StartAsync, stop with DisposeAsync (stops Kestrel, then closes the metadata database).
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ManagedKv.Pd.Cluster;

namespace ManagedKv.Pd.Server;

/// <summary>A running PD member.</summary>
public sealed class PdServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TimeSpan _shutdownTimeout;
    private int _disposed;

    private PdServer(WebApplication app, PdCluster cluster, string listenAddress, Uri clientUrl, TimeSpan shutdownTimeout)
    {
        _app = app;
        _shutdownTimeout = shutdownTimeout;
        Cluster = cluster;
        ListenAddress = listenAddress;
        ClientUrl = clientUrl;
    }

    /// <summary>The core the gRPC service serves (usable in process without gRPC).</summary>
    public PdCluster Cluster { get; }

    /// <summary>The cluster id.</summary>
    public ulong ClusterId => Cluster.ClusterId;

    /// <summary>The bound host:port (the real port when <see cref="PdOptions.ListenAddress"/> asked for port 0).</summary>
    public string ListenAddress { get; }

    /// <summary>The URL advertised to clients (GetMembers client_urls), http://host:port.</summary>
    public Uri ClientUrl { get; }

    /// <summary>Opens the PD state in <see cref="PdOptions.DataDir"/> and starts serving gRPC.</summary>
    public static async Task<PdServer> StartAsync(PdOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        (IPAddress ip, int port) = ManagedKv.Hosting.ListenAddress.Parse(options.ListenAddress);
        PdCluster cluster = PdCluster.Open(options);
        WebApplication? app = null;
        try
        {
            var identity = new PdServerIdentity();
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
            {
                ContentRootPath = AppContext.BaseDirectory,
            });
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k =>
                k.Listen(ip, port, listen => listen.Protocols = HttpProtocols.Http2));
            builder.Services.AddGrpc();
            // grpc.health.v1: answered on demand (no publisher cache, which reports Unknown for its first seconds);
            // the member serves once it is started.
            builder.Services.AddGrpcHealthChecks(o => o.UseHealthChecksCache = false)
                .AddCheck("pd", static () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy());
            builder.Services.AddSingleton(new PdGrpcService(cluster, identity));
            app = builder.Build();
            app.MapGrpcService<PdGrpcService>();
            app.MapGrpcHealthChecksService();
            await app.StartAsync(cancellationToken).ConfigureAwait(false);

            IServerAddressesFeature? feature = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
            string bound = feature?.Addresses.FirstOrDefault()
                ?? throw new InvalidOperationException("Kestrel reported no listening address");
            var boundUri = new Uri(bound);
            string listen = $"{boundUri.Host}:{boundUri.Port}";
            string advertise = options.AdvertiseAddress ?? AdvertisableAddress(boundUri);
            var clientUrl = new Uri($"http://{advertise}");
            var member = new Pdpb.Member
            {
                Name = options.Name,
                MemberId = cluster.MemberId,
            };
            member.ClientUrls.Add(clientUrl.ToString().TrimEnd('/'));
            member.PeerUrls.Add(clientUrl.ToString().TrimEnd('/'));
            identity.Set(member);
            return new PdServer(app, cluster, listen, clientUrl, options.ShutdownTimeout);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }
            cluster.Dispose();
            throw;
        }
    }

    private static string AdvertisableAddress(Uri bound)
    {
        string host = bound.Host;
        if (host is "0.0.0.0" or "[::]" or "::")
        {
            host = "127.0.0.1";
        }
        return $"{host}:{bound.Port}";
    }

    /// <summary>Stops serving and closes the metadata database.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        try
        {
            // Long-lived client streams never end on their own: give open calls ShutdownTimeout, then abort them.
            using (var deadline = new CancellationTokenSource(_shutdownTimeout))
            {
                await _app.StopAsync(deadline.Token).ConfigureAwait(false);
            }
            await _app.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            Cluster.Dispose();
        }
    }
}
