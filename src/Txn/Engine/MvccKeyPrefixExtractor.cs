using ManagedKv.Lsm;

namespace ManagedKv.Txn;

/// <summary>
/// The prefix extractor of the <c>write</c> column family (TiKV's <c>FixedSuffixSliceTransform(8)</c>): the prefix of
/// an MVCC key <c>memcomparable(user_key) ‖ ~ts</c> is the encoded user key, so the prefix bloom filters hold user
/// keys and a prefix-same-as-start cursor walks the versions of one user key only. Keys shorter than one memcomparable
/// group plus the timestamp are not MVCC keys and are outside the domain (never prefix-filtered). Memcomparable keys
/// are never proper prefixes of each other, so the versions of one user key are one contiguous range, as
/// <see cref="ISliceTransform"/> requires. Stateless and thread-safe.
/// </summary>
public sealed class MvccKeyPrefixExtractor : ISliceTransform
{
    /// <summary>The shared instance.</summary>
    public static readonly MvccKeyPrefixExtractor Instance = new();

    private MvccKeyPrefixExtractor()
    {
    }

    /// <summary>Recorded in the MANIFEST and in each SST: never change it without changing the behaviour's meaning.</summary>
    public string Name => "managedkv.MvccKeyPrefix.8";

    public bool InDomain(ReadOnlySpan<byte> key) => key.Length >= MemComparable.EncodedGroupSize + MvccKey.TsLength;

    public ReadOnlySpan<byte> Transform(ReadOnlySpan<byte> key) => MvccKey.Truncate(key);
}
