namespace ManagedKv.Node.Store;

/// <summary>
/// Constants of the persisted per-region state (src/Node/FORMAT.md). On-disk: never renumber, never reuse.
/// </summary>
internal static class StateFormat
{
    /// <summary>Version byte leading every state value and carried in the high nibble of each entry header.</summary>
    public const byte Version = 1;

    /// <summary>The RaftEngine state key of <see cref="RaftLocalState"/> ("R", as TiKV's raft-engine store).</summary>
    public const byte RaftLocalStateKey = (byte)'R';

    /// <summary>Name of the Lsm column family that holds the apply and region states (TiKV's CF_RAFT).</summary>
    public const string RaftColumnFamily = "raft";

    /// <summary>First byte of every local (non-user) key in the KV engine.</summary>
    public const byte LocalPrefix = 0x01;

    /// <summary>Second byte of per-region Raft keys: <c>01 02 region_id(8, BE) suffix</c>.</summary>
    public const byte RegionRaftPrefix = 0x02;

    /// <summary>Second byte of per-region meta keys: <c>01 03 region_id(8, BE) suffix</c>.</summary>
    public const byte RegionMetaPrefix = 0x03;

    /// <summary>Suffix of the <see cref="RaftApplyState"/> key under <see cref="RegionRaftPrefix"/>.</summary>
    public const byte ApplyStateSuffix = 0x03;

    /// <summary>Suffix of the <see cref="RegionLocalState"/> key under <see cref="RegionMetaPrefix"/>.</summary>
    public const byte RegionStateSuffix = 0x01;

    /// <summary>Length of every per-region key: prefix (2) + region id (8) + suffix (1).</summary>
    public const int RegionKeyLength = 11;

    /// <summary>Largest encoded <see cref="RaftLocalState"/>: version + 4 varints.</summary>
    public const int MaxRaftLocalStateLength = 1 + (4 * 10);

    /// <summary>Largest encoded <see cref="RaftApplyState"/>: version + 5 varints.</summary>
    public const int MaxRaftApplyStateLength = 1 + (5 * 10);

    /// <summary>Largest entry header: header byte + term varint + context-length varint.</summary>
    public const int MaxEntryHeaderLength = 1 + 10 + 5;

    /// <summary>Index and term a bootstrapped region's log starts after (TiKV's RAFT_INIT_LOG_INDEX / TERM): every
    /// peer of a region created at bootstrap holds the same empty log truncated at (5, 5), so they elect a leader
    /// without a snapshot.</summary>
    public const ulong InitialLogIndex = 5;

    /// <summary>See <see cref="InitialLogIndex"/>.</summary>
    public const ulong InitialLogTerm = 5;
}
