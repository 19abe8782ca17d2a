namespace ManagedKv.Txn;

/// <summary>
/// The scheduler refused a command because the pending writes exceed the memory quota (kvproto region error
/// <c>errorpb.ServerIsBusy</c>, fields 1 reason and 2 backoff_ms). The client backs off and retries.
/// </summary>
public sealed class ServerIsBusy(string reason, ulong backoffMs)
{
    /// <summary>1 reason.</summary>
    public string Reason { get; } = reason;

    /// <summary>2 backoff_ms.</summary>
    public ulong BackoffMs { get; } = backoffMs;

    public override string ToString() => $"server is busy: {Reason}";
}
