// Constants of PD's metadata layout inside its LSM database (FORMAT.md beside this folder's parent).
// On-disk: never renumber, never rename a key.
namespace ManagedKv.Pd.Storage;

/// <summary>
/// Key layout and fixed sizes of PD's metadata store, version <see cref="CurrentVersion"/>. Every key is ASCII;
/// store and region keys end with the id as an 8-byte big-endian integer so iteration visits them in id order.
/// </summary>
internal static class PdStorageFormat
{
    /// <summary>The format this code writes and reads. A database recording another version fails to open.</summary>
    public const uint CurrentVersion = 1;

    /// <summary>Value: fixed32 little-endian format version.</summary>
    public static ReadOnlySpan<byte> VersionKey => "meta/format_version"u8;

    /// <summary>Value: fixed64 LE cluster id.</summary>
    public static ReadOnlySpan<byte> ClusterIdKey => "meta/cluster_id"u8;

    /// <summary>Value: fixed64 LE member id of this PD.</summary>
    public static ReadOnlySpan<byte> MemberIdKey => "meta/member_id"u8;

    /// <summary>Value: protobuf bytes of metapb.Cluster. Present exactly when the cluster is bootstrapped.</summary>
    public static ReadOnlySpan<byte> ClusterMetaKey => "meta/cluster"u8;

    /// <summary>Value: fixed64 LE (int64) TSO physical upper bound in unix milliseconds, exclusive.</summary>
    public static ReadOnlySpan<byte> TsoBoundKey => "meta/tso_bound"u8;

    /// <summary>Value: fixed64 LE upper bound of allocated ids, inclusive (every id ≤ it may have been handed out).</summary>
    public static ReadOnlySpan<byte> IdBoundKey => "meta/id_bound"u8;

    /// <summary>Value: fixed64 LE GC safe point (a TSO timestamp).</summary>
    public static ReadOnlySpan<byte> GcSafePointKey => "meta/gc_safe_point"u8;

    /// <summary>Prefix of store keys; the key is the prefix + fixed64 big-endian store id. Value: metapb.Store bytes.</summary>
    public static ReadOnlySpan<byte> StorePrefix => "store/"u8;

    /// <summary>Prefix of region keys; the key is the prefix + fixed64 big-endian region id. Value: metapb.Region bytes.</summary>
    public static ReadOnlySpan<byte> RegionPrefix => "region/"u8;

    /// <summary>Size of the id suffix of store and region keys.</summary>
    public const int IdSuffixSize = 8;
}
