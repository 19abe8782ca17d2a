namespace ManagedKv.Node.Kv;

/// <summary>
/// The request context of <see cref="RaftKvEngine"/> calls (TiKV's <c>kvrpcpb.Context</c>: region id and epoch), set
/// for the duration of a request by <see cref="RaftKvEngine.Scope"/> on an <see cref="AsyncLocal{T}"/>: it flows into
/// awaited calls and tasks started inside, and disposing it restores the enclosing scope. Dispose it on the flow
/// that created it.
/// </summary>
public sealed class RaftKvScope : IDisposable
{
    private static readonly AsyncLocal<RaftKvScope?> s_current = new();
    private readonly RaftKvScope? _previous;
    private bool _disposed;

    internal RaftKvScope(ulong regionId, Metapb.RegionEpoch? epoch)
    {
        RegionId = regionId;
        Epoch = epoch;
        _previous = s_current.Value;
        s_current.Value = this;
    }

    /// <summary>The innermost scope of the current flow, or null.</summary>
    public static RaftKvScope? Current => s_current.Value;

    /// <summary>The region of the request.</summary>
    public ulong RegionId { get; }

    /// <summary>The region epoch the client holds; null skips the epoch check.</summary>
    public Metapb.RegionEpoch? Epoch { get; }

    /// <summary>Ends the scope: the enclosing one (or none) is current again.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            s_current.Value = _previous;
        }
    }
}
