using System.Runtime.CompilerServices;
using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Memtable;

namespace ManagedKv.Lsm.RangeDel;

/// <summary>
/// The fragmented range tombstones of a memtable, rebuilt only when the memtable gained tombstones since the last
/// call (memtables only grow). Thread-safe; the cache entry dies with the memtable object.
/// </summary>
internal static class MemTableRangeDels
{
    private sealed class Entry
    {
        public ulong Count;
        public FragmentedRangeTombstones Tombstones = FragmentedRangeTombstones.Empty;
    }

    private static readonly ConditionalWeakTable<MemTable, Entry> s_cache = new();

    /// <summary>The memtable's tombstones; <see cref="FragmentedRangeTombstones.Empty"/> when it has none.</summary>
    public static FragmentedRangeTombstones Get(MemTable mem)
    {
        ulong count = mem.NumRangeDeletes;
        if (count == 0)
        {
            return FragmentedRangeTombstones.Empty;
        }
        Entry entry = s_cache.GetOrCreateValue(mem);
        lock (entry)
        {
            if (entry.Count != count)
            {
                var list = new List<RangeTombstone>((int)count);
                using (IInternalIterator? it = mem.NewRangeTombstoneIterator())
                {
                    if (it is not null)
                    {
                        FragmentedRangeTombstones.Collect(it, list);
                    }
                }
                entry.Tombstones = FragmentedRangeTombstones.Create(list);
                entry.Count = (ulong)list.Count;
            }
            return entry.Tombstones;
        }
    }
}
