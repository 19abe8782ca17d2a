namespace ManagedKv.Node.Bootstrap;

/// <summary>Retry settings of <see cref="StoreBootstrapper.BootstrapAsync"/>.</summary>
public sealed class StoreBootstrapOptions
{
    /// <summary>Wait between Bootstrap attempts and between IsBootstrapped polls. Default 3 s (TiKV's CHECK_CLUSTER_BOOTSTRAPPED_RETRY_INTERVAL).</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Attempts before giving up. Default 60 (TiKV's MAX_CHECK_CLUSTER_BOOTSTRAPPED_RETRY_COUNT).</summary>
    public int MaxRetries { get; set; } = 60;
}
