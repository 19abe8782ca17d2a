using Microsoft.AspNetCore.Builder;

namespace ManagedKv.Node.Transport;

/// <summary>Settings of a <see cref="NodeRaftServer"/>.</summary>
public sealed class NodeRaftServerOptions
{
    /// <summary>host:port to listen on; port 0 picks a free port (see <see cref="NodeRaftServer.ListenAddress"/>).
    /// Default 127.0.0.1:20160 (TiKV's port).</summary>
    public string ListenAddress { get; init; } = "127.0.0.1:20160";

    /// <summary>How long <see cref="NodeRaftServer.DisposeAsync"/> lets open streams end before aborting them (the
    /// senders' streams never end on their own). Default 1 s.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest gRPC message accepted (one RaftBatch). Default 128 MiB: a batch is bounded by the sender's
    /// MaxBatchBytes, except a single message larger than that.</summary>
    public int MaxReceiveMessageBytes { get; init; } = 128 << 20;

    /// <summary>Registers more services on the same server (e.g. the node's KV service): called before the app is
    /// built (add singletons) and after (map them). Optional.</summary>
    public Action<WebApplicationBuilder>? ConfigureServices { get; init; }

    /// <inheritdoc cref="ConfigureServices"/>
    public Action<WebApplication>? MapServices { get; init; }
}
