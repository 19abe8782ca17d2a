using ManagedKv.Lsm.Memtable;

namespace ManagedKv.Lsm.Db;

/// <summary>
/// What a read of one column family needs, captured together: the active memtable, the immutable memtables
/// (newest first) and the current version. Replaced (never changed) under the DB mutex whenever one of them changes.
/// Readers acquire it without a lock (<see cref="ColumnFamily.AcquireSuperVersion"/>); the column family holds one
/// reference while it is current. The last reference releases the memtables and the version.
/// </summary>
internal sealed class SuperVersion
{
    private int _refs = 1; // the column family's own reference

    public SuperVersion(MemTable mem, MemTable[] immutables, Version.Version version)
    {
        Mem = mem;
        Immutables = immutables;
        Current = version;
        mem.Ref();
        foreach (MemTable m in immutables)
        {
            m.Ref();
        }
        version.Ref();
    }

    public MemTable Mem { get; }

    /// <summary>Immutable memtables, newest first.</summary>
    public MemTable[] Immutables { get; }

    public Version.Version Current { get; }

    /// <summary>Takes a reference unless the super version is already dead (refs reached zero).</summary>
    public bool TryRef()
    {
        while (true)
        {
            int refs = Volatile.Read(ref _refs);
            if (refs == 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _refs, refs + 1, refs) == refs)
            {
                return true;
            }
        }
    }

    public void Unref()
    {
        if (Interlocked.Decrement(ref _refs) == 0)
        {
            Mem.Unref();
            foreach (MemTable m in Immutables)
            {
                m.Unref();
            }
            Current.Unref();
        }
    }
}
