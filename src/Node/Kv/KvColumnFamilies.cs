using ManagedKv.Lsm;
using ManagedKv.Txn;

namespace ManagedKv.Node.Kv;

/// <summary>
/// The Txn column families in the store's KV engine (<c>default</c>, <c>lock</c>, <c>write</c>, <c>raw</c>, as
/// <see cref="EngineCfNames"/>) and TiKV's data-key prefix <c>z</c> (src/Node/FORMAT.md, "KV data keys"): every user
/// key of those families is stored as <c>z</c> + the engine key, so the <c>raft</c> family's state keys and future
/// local keys never mix with user data. Stateless and thread-safe.
/// </summary>
public static class KvColumnFamilies
{
    /// <summary>TiKV's data-key prefix. On-disk: never change.</summary>
    public const byte DataPrefix = (byte)'z';

    /// <summary>The first key after every data key (<c>z</c> + 1).</summary>
    public const byte DataEnd = DataPrefix + 1;

    /// <summary>
    /// Adds the Txn column families to <paramref name="options"/> (for <see cref="Store.StoreEngines.Open"/>) unless
    /// the caller configured them: the write family gets the MVCC prefix extractor and a memtable prefix bloom, as
    /// <see cref="LsmKvEngine"/>'s. Families missing at open are created then (CreateMissingColumnFamilies).
    /// </summary>
    public static DbOptions Configure(DbOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        for (int i = 1; i < EngineCfNames.Count; i++)
        {
            string name = EngineCfNames.Of((EngineCf)i);
            if (!options.ColumnFamilies.ContainsKey(name))
            {
                options.ColumnFamilies[name] = NewOptions((EngineCf)i);
            }
        }

        return options;
    }

    /// <summary>
    /// The families of <paramref name="db"/> indexed by <see cref="EngineCf"/>; families still missing (engines opened
    /// without <see cref="Configure"/>) are created now with the same options. Call before the store system starts.
    /// </summary>
    public static ColumnFamily[] Open(LsmDb db)
    {
        ArgumentNullException.ThrowIfNull(db);
        var cfs = new ColumnFamily[EngineCfNames.Count];
        for (int i = 0; i < EngineCfNames.Count; i++)
        {
            string name = EngineCfNames.Of((EngineCf)i);
            cfs[i] = db.GetColumnFamily(name) ?? db.CreateColumnFamily(name, NewOptions((EngineCf)i));
        }

        return cfs;
    }

    // The MVCC table-properties collector of LsmKvEngine is left out: it decodes unprefixed MVCC keys (GC over
    // z-prefixed keys is a later step).
    private static ColumnFamilyOptions NewOptions(EngineCf cf) => cf == EngineCf.Write
        ? new ColumnFamilyOptions { PrefixExtractor = MvccKeyPrefixExtractor.Instance, WholeKeyFiltering = false, MemtablePrefixBloomSizeRatio = 0.1 }
        : new ColumnFamilyOptions();
}
