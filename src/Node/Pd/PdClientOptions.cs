namespace ManagedKv.Node.Pd;

/// <summary>Settings of a <see cref="PdClient"/>. Read once when the client connects.</summary>
public sealed class PdClientOptions
{
    /// <summary>Deadline of one unary request. Default 10 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// First wait before retrying a failed request or leader discovery; doubles up to <see cref="MaxBackoff"/>.
    /// Default 100 ms (client-go's pdRPC backoff starts at 500 ms; PD restarts in a process are faster).
    /// </summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Largest wait between retries. Default 3 s (client-go's pdRPC cap).</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long a retried request (and leader discovery) keeps trying before it fails with a retryable
    /// <see cref="PdException"/>. Default 30 s.
    /// </summary>
    public TimeSpan RetryTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most timestamps requested by one TsoRequest (pending callers beyond wait for the next). Default 10 000, bounds 1 … 2^18 − 1.</summary>
    public int MaxTsoBatch { get; set; } = 10_000;

    /// <summary>Sender id put in every request header (the store id once known; 0 = unset).</summary>
    public ulong SenderId { get; set; }
}
