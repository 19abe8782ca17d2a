using ManagedKv.Lsm.Memtable;

namespace ManagedKv.Lsm.Db;

/// <summary>
/// A memtable that was switched out and waits for flush, with the number of the WAL that was started when it was
/// switched: once it is flushed, the column family no longer needs WAL files older than that number.
/// </summary>
internal sealed class ImmutableMemTable
{
    public ImmutableMemTable(MemTable mem, ulong nextLogNumber)
    {
        Mem = mem;
        NextLogNumber = nextLogNumber;
    }

    public MemTable Mem { get; }

    public ulong NextLogNumber { get; }

    /// <summary>A flush job has taken this memtable. Guarded by the DB mutex.</summary>
    public bool FlushInProgress;
}
