using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Memtable;

namespace ManagedKv.Lsm;

// Prefix extractor plumbing: memtables with their bloom filter, and the prefix state of prefix-same-as-start iterators.
public sealed partial class LsmDb
{
    /// <summary>A new memtable for <paramref name="cf"/>, with a bloom filter when its options ask for one.</summary>
    private MemTable NewMemTable(ColumnFamily cf)
    {
        ColumnFamilyOptions o = cf.Options;
        long bloomBits = o.MemtablePrefixBloomSizeRatio > 0 && (o.PrefixExtractor is not null || o.MemtableWholeKeyFiltering)
            ? (long)(o.WriteBufferSize * o.MemtablePrefixBloomSizeRatio * 8)
            : 0;
        if (bloomBits == 0)
        {
            return new MemTable(_versions.PeekNextFileNumber, null);
        }
        return new MemTable(_versions.PeekNextFileNumber, new MemTableOptions
        {
            BloomBits = bloomBits,
            PrefixExtractor = o.PrefixExtractor,
            WholeKeyFiltering = o.MemtableWholeKeyFiltering,
            Statistics = _statistics,
        });
    }

    /// <summary>The prefix state of a new iterator, or null when it iterates in total order.</summary>
    private PrefixSeekState? NewPrefixSeekState(ColumnFamily cf, ReadOptions options) =>
        options.PrefixSameAsStart && !options.TotalOrderSeek && cf.Options.PrefixExtractor is { } extractor
            ? new PrefixSeekState(extractor, _statistics)
            : null;

    private static IInternalIterator WithPrefixFilter(MemTable mem, PrefixSeekState? prefix) =>
        prefix is null ? mem.NewIterator() : new MemTablePrefixIterator(mem.NewIterator(), mem, prefix);
}
