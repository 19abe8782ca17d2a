namespace ManagedKv.Node.Server;

/// <summary>Settings of a <see cref="TikvService"/>.</summary>
public sealed class TikvServiceOptions
{
    /// <summary>Worker threads running the blocking engine calls (each waits on Raft for most of its call, so more
    /// threads than cores). Default 8.</summary>
    public int WorkerThreads { get; init; } = 8;

    /// <summary>Calls that may wait for a worker before the service answers <c>server_is_busy</c>. Default 1024.</summary>
    public int QueueCapacity { get; init; } = 1024;
}
