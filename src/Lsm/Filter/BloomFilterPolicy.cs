using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// The full-filter bloom policy (FORMAT.md, "Filter"): one filter per SST, cache-line-local probing (every probe of a
/// key lands in one 64-byte line, so a query costs one cache miss), XXH3-64 of the key. The number of probes follows
/// RocksDB's FastLocalBloom table for the bits per key (6 probes at 10 bits/key). Immutable, thread-safe.
/// </summary>
internal sealed class BloomFilterPolicy
{
    /// <summary>On-disk: the name recorded in the metaindex and in <c>TableProperties.FilterPolicyName</c>.</summary>
    public const string Name = "managedkv.LocalBloom";

    public BloomFilterPolicy(double bitsPerKey)
    {
        if (!(bitsPerKey >= 1 && bitsPerKey <= 100))
        {
            ThrowHelper.ThrowArgument($"bloom bits per key must be in [1, 100], got {bitsPerKey}", nameof(bitsPerKey));
        }
        BitsPerKey = bitsPerKey;
        NumProbes = ChooseNumProbes((int)Math.Round(bitsPerKey * 1000));
    }

    public double BitsPerKey { get; }

    public int NumProbes { get; }

    public BloomFilterBuilder NewBuilder() => new(BitsPerKey, NumProbes);

    /// <summary>
    /// Probes for a cache-line-local bloom, minimizing its false-positive rate (which is higher than a standard
    /// bloom's at equal memory because keys spread unevenly over lines). Thresholds in millibits per key.
    /// </summary>
    internal static int ChooseNumProbes(int millibitsPerKey)
    {
        return millibitsPerKey switch
        {
            <= 2080 => 1,
            <= 3580 => 2,
            <= 5100 => 3,
            <= 6640 => 4,
            <= 8300 => 5,
            <= 10070 => 6,
            <= 11720 => 7,
            <= 14001 => 8,
            <= 16050 => 9,
            <= 18300 => 10,
            <= 22001 => 11,
            <= 25501 => 12,
            > 50000 => 24,
            _ => ((millibitsPerKey - 1) / 2000) - 1,
        };
    }
}
