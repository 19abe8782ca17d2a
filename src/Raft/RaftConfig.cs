namespace ManagedKv.Raft;

/// <summary>
/// The parameters of one Raft node. Ticks are logical: the application calls <see cref="RawNode.Tick"/> at a
/// fixed interval (TiKV: 1 s base tick, election 10 ticks, heartbeat 2 ticks).
/// </summary>
public sealed class RaftConfig
{
    /// <summary>This node's id; non-zero.</summary>
    public ulong Id { get; set; }

    /// <summary>Ticks without hearing from a leader before a follower campaigns. The actual timeout is random in
    /// [ElectionTick, 2 × ElectionTick) (Raft §5.2). Default 10; must exceed <see cref="HeartbeatTick"/>.</summary>
    public int ElectionTick { get; set; } = 10;

    /// <summary>Ticks between leader heartbeats. Default 2; at least 1.</summary>
    public int HeartbeatTick { get; set; } = 2;

    /// <summary>Enables the pre-vote phase (thesis §9.6): a node campaigns only if a quorum would vote for it, so
    /// a rejoining partitioned node does not disrupt the leader. Default false.</summary>
    public bool PreVote { get; set; }

    /// <summary>The leader steps down when a quorum was not active during an election timeout; followers ignore
    /// vote requests while they hear from a leader (leader lease). Default false.</summary>
    public bool CheckQuorum { get; set; }

    /// <summary>Upper bound on the entry bytes of one MsgAppend (at least one entry is always sent).
    /// Default 1 MiB.</summary>
    public ulong MaxSizePerMsg { get; set; } = 1 << 20;

    /// <summary>Maximum MsgAppend messages in flight to one follower in replicate state. Default 256; at least 1.</summary>
    public int MaxInflightMsgs { get; set; } = 256;

    /// <summary>Upper bound on the entry bytes of committed entries in one <see cref="Ready"/>.
    /// Default unlimited.</summary>
    public ulong MaxCommittedSizePerReady { get; set; } = ulong.MaxValue;

    /// <summary>How ReadIndex requests are confirmed. Default <see cref="ReadOnlyOption.Safe"/>;
    /// <see cref="ReadOnlyOption.LeaseBased"/> requires <see cref="CheckQuorum"/>.</summary>
    public ReadOnlyOption ReadOnlyOption { get; set; } = ReadOnlyOption.Safe;

    /// <summary>The last applied index when restarting; committed entries up to it are not handed out again.
    /// Default 0.</summary>
    public ulong Applied { get; set; }

    /// <summary>Seed of the deterministic generator that randomizes election timeouts; 0 derives it from
    /// <see cref="Id"/>.</summary>
    public ulong RandomSeed { get; set; }

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">A setting is out of bounds.</exception>
    public void Validate()
    {
        if (Id == 0)
        {
            throw new ArgumentException("RaftConfig.Id must not be 0");
        }

        if (HeartbeatTick <= 0)
        {
            throw new ArgumentException("RaftConfig.HeartbeatTick must be greater than 0");
        }

        if (ElectionTick <= HeartbeatTick)
        {
            throw new ArgumentException("RaftConfig.ElectionTick must be greater than HeartbeatTick");
        }

        if (MaxInflightMsgs <= 0)
        {
            throw new ArgumentException("RaftConfig.MaxInflightMsgs must be greater than 0");
        }

        if (ReadOnlyOption == ReadOnlyOption.LeaseBased && !CheckQuorum)
        {
            throw new ArgumentException("CheckQuorum must be enabled when ReadOnlyOption is LeaseBased");
        }
    }
}
