namespace ManagedKv.Node.Transport;

/// <summary>Bounds and timings of a <see cref="GrpcRaftTransport"/>.</summary>
public sealed class GrpcRaftTransportOptions
{
    /// <summary>Bytes of encoded messages one <c>RaftBatch</c> carries at most (a single larger message goes alone).
    /// Default 1 MiB; at least 1 KiB.</summary>
    public int MaxBatchBytes { get; init; } = 1 << 20;

    /// <summary>Encoded bytes queued per target store; a message that does not fit is dropped and counted (Raft
    /// tolerates loss). Default 16 MiB; at least <see cref="MaxBatchBytes"/>.</summary>
    public int MaxQueuedBytes { get; init; } = 16 << 20;

    /// <summary>Messages queued per target store; beyond, messages are dropped and counted. Default 65536.</summary>
    public int MaxQueuedMessages { get; init; } = 65536;

    /// <summary>First wait after a failed connection or write; doubles up to <see cref="MaxBackoff"/>. Messages
    /// queued for the store while it waits are dropped (counted) when the sender wakes. Default 50 ms.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest wait between connection attempts. Default 2 s.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>TCP connect timeout of a store's channel. Default 2 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>HTTP/2 keep-alive ping interval on idle connections, so a dead peer is noticed. Default 10 s.</summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(10);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchBytes, 1024, nameof(MaxBatchBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueuedBytes, MaxBatchBytes, nameof(MaxQueuedBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueuedMessages, 1, nameof(MaxQueuedMessages));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(InitialBackoff, TimeSpan.Zero, nameof(InitialBackoff));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBackoff, InitialBackoff, nameof(MaxBackoff));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero, nameof(ConnectTimeout));
    }
}
