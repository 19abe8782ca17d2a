namespace ManagedKv.Node.Batch;

/// <summary>Settings of a store's batch system. Defaults follow TiKV's raftstore (facts §8).</summary>
public sealed class BatchSystemOptions
{
    /// <summary>Raft pool threads (TiKV store-pool-size); default 2, at least 1.</summary>
    public int RaftThreads { get; set; } = 2;

    /// <summary>Apply pool threads (TiKV apply-pool-size); default 2, at least 1.</summary>
    public int ApplyThreads { get; set; } = 2;

    /// <summary>FSMs a poller takes per round (TiKV max-batch-size); default 256.</summary>
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>Messages drained from one peer mailbox per round, so a hot region cannot starve others (TiKV
    /// messages-per-tick); default 4096.</summary>
    public int MessagesPerRound { get; set; } = 4096;

    /// <summary>Apply tasks (committed-entry batches) taken from one apply mailbox per round; default 64.</summary>
    public int ApplyTasksPerRound { get; set; } = 64;

    /// <summary>The base tick (TiKV raft-base-tick-interval); default 1 s. <see cref="TimeSpan.Zero"/> starts no
    /// timer: the owner calls <see cref="Router.TickAll"/> (tests, simulated clocks).</summary>
    public TimeSpan BaseTickInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Election timeout in base ticks (TiKV raft-election-timeout-ticks); default 10.</summary>
    public int ElectionTicks { get; set; } = 10;

    /// <summary>Heartbeat interval in base ticks (TiKV raft-heartbeat-ticks); default 2.</summary>
    public int HeartbeatTicks { get; set; } = 2;

    /// <summary>Raft-log-gc tick every this many base ticks (TiKV raft-log-gc-tick-interval 3 s at 1 s ticks);
    /// default 3; 0 disables.</summary>
    public int RaftLogGcTicks { get; set; } = 3;

    /// <summary>Entries replicated everywhere before the leader compacts (TiKV raft-log-gc-threshold); default 50.</summary>
    public ulong RaftLogGcThreshold { get; set; } = 50;

    /// <summary>Log entries past which the leader compacts at its applied index even if a peer lags (TiKV
    /// raft-log-gc-count-limit); default 196608 (split size 256 MiB × 3/4 ÷ 1 KiB).</summary>
    public ulong RaftLogGcCountLimit { get; set; } = 196608;

    /// <summary>Raft max-size-per-msg; default 1 MiB.</summary>
    public ulong MaxSizePerMsg { get; set; } = 1 << 20;

    /// <summary>Raft max-inflight-msgs; default 256.</summary>
    public int MaxInflightMsgs { get; set; } = 256;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(RaftThreads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ApplyThreads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MessagesPerRound, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ApplyTasksPerRound, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(BaseTickInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(RaftLogGcTicks, 0);
    }
}
