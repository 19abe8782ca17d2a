namespace ManagedKv.Node.Kv;

/// <summary>
/// A region error from <see cref="RaftKvEngine"/>, carrying TiKV's <see cref="Errorpb.Error"/> (NotLeader with the
/// leader, RegionNotFound, EpochNotMatch with the current region, KeyNotInRegion, StaleCommand): KvService puts it in
/// the response's <c>region_error</c>, which clients retry on. Immutable.
/// </summary>
public sealed class RegionErrorException : Exception
{
    /// <summary>Wraps <paramref name="error"/>.</summary>
    public RegionErrorException(Errorpb.Error error)
        : base(error?.Message)
    {
        ArgumentNullException.ThrowIfNull(error);
        Error = error;
    }

    /// <summary>The region error.</summary>
    public Errorpb.Error Error { get; }
}
