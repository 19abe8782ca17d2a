namespace ManagedKv.Lsm;

/// <summary>
/// A prefix extractor (RocksDB's SliceTransform): maps a user key to the prefix that prefix bloom filters and
/// prefix-same-as-start iterators work on. Set it as <see cref="ColumnFamilyOptions.PrefixExtractor"/>.
/// </summary>
/// <remarks>
/// Requirements, relied on for correctness:
/// <list type="bullet">
/// <item><see cref="Transform"/> returns a prefix of the key (a slice starting at byte 0), and is deterministic.</item>
/// <item>Keys in the domain that share a prefix form one contiguous range in bytewise key order. True for the fixed
/// and capped extractors. An extractor that strips a fixed-size suffix (TiKV's write column family drops the 8-byte
/// timestamp) satisfies it when no user key is a proper prefix of another, as with TiKV's memcomparable key
/// encoding.</item>
/// <item><see cref="Name"/> identifies the behaviour: SSTs record it, and a filter written under another name is not
/// consulted for prefixes (no false negatives after an extractor change). Change the name whenever the behaviour
/// changes.</item>
/// </list>
/// Called from any thread, concurrently, on the read and write paths: implementations must be thread-safe and should
/// not allocate.
/// </remarks>
public interface ISliceTransform
{
    /// <summary>A stable name of the extractor and its parameters, e.g. "rocksdb.FixedPrefix.8".</summary>
    string Name { get; }

    /// <summary>True when <paramref name="key"/> has a prefix (keys outside the domain are never prefix-filtered).</summary>
    bool InDomain(ReadOnlySpan<byte> key);

    /// <summary>The prefix of <paramref name="key"/>. REQUIRES: <see cref="InDomain"/>(key).</summary>
    ReadOnlySpan<byte> Transform(ReadOnlySpan<byte> key);
}
