namespace ManagedKv.Node.Store;

/// <summary>Options of the <see cref="StoreWriter"/> (TiKV's store-io-pool-size, raft-write-size-limit).</summary>
public sealed class StoreWriterOptions
{
    /// <summary>Writer threads; a region always goes to the same one (region id modulo this). Default 1, 1 to 64.</summary>
    public int Workers { get; set; } = 1;

    /// <summary>Tasks a worker queues before <see cref="StoreWriter.Submit"/> blocks (backpressure). Default 4096.</summary>
    public int QueueCapacity { get; set; } = 4096;

    /// <summary>A write gathers tasks until their payload passes this many bytes (at least one task per write).
    /// Default 1 MiB (TiKV's raft-write-size-limit).</summary>
    public long MaxBatchBytes { get; set; } = 1L << 20;

    /// <summary>Whether each write is synced to the device. Default true; false only for tests that measure
    /// something else.</summary>
    public bool Sync { get; set; } = true;

    internal void Validate()
    {
        if (Workers is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(Workers), Workers, "1 to 64 writer threads");
        }

        if (QueueCapacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(QueueCapacity), QueueCapacity, "at least 1");
        }

        if (MaxBatchBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatchBytes), MaxBatchBytes, "at least 1");
        }
    }
}
