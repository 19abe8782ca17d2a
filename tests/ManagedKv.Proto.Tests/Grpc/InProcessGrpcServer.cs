// A Kestrel gRPC server (Grpc.AspNetCore) on 127.0.0.1 with an ephemeral port, HTTP/2 without TLS
// (what TiKV clients speak), serving one service instance; disposed with the test.
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ManagedKv.Proto.Tests.Grpc;

internal sealed class InProcessGrpcServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessGrpcServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>http://127.0.0.1:port the server listens on.</summary>
    public Uri Address { get; }

    /// <summary>Starts a server that serves <paramref name="service"/> and nothing else.</summary>
    public static async Task<InProcessGrpcServer> StartAsync<TService>(TService service)
        where TService : class
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options =>
            options.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        app.MapGrpcService<TService>();
        try
        {
            await app.StartAsync();
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
            var address = addresses?.Addresses.SingleOrDefault()
                ?? throw new InvalidOperationException("Kestrel reported no listening address");
            return new InProcessGrpcServer(app, new Uri(address));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
