using ManagedKv.Lsm.Keys;

namespace ManagedKv.Lsm.Version;

/// <summary>
/// One SST file as the version set knows it. Immutable after creation except for the reference count and the
/// compaction mark, both changed only under the DB mutex.
/// </summary>
internal sealed class FileMetaData
{
    public FileMetaData(ulong number, long fileSize, byte[] smallest, byte[] largest, ulong smallestSequence, ulong largestSequence, ulong globalSequence = 0)
    {
        GlobalSequence = globalSequence;
        Number = number;
        FileSize = fileSize;
        Smallest = smallest;
        Largest = largest;
        SmallestSequence = smallestSequence;
        LargestSequence = largestSequence;
    }

    public ulong Number { get; }

    public long FileSize { get; }

    /// <summary>Smallest internal key in the file.</summary>
    public byte[] Smallest { get; }

    /// <summary>Largest internal key in the file.</summary>
    public byte[] Largest { get; }

    public ulong SmallestSequence { get; }

    public ulong LargestSequence { get; }

    /// <summary>The file has a range deletion block (recorded in the MANIFEST, FORMAT.md "MANIFEST" tag 12).</summary>
    public bool HasRangeDeletions { get; init; }

    /// <summary>
    /// For an ingested external file: the sequence every entry reads as (its stored sequences are 0); 0 otherwise.
    /// Recorded in the MANIFEST (FORMAT.md, "MANIFEST additions", tag 16); Smallest and Largest already carry it.
    /// </summary>
    public ulong GlobalSequence { get; }

    public ReadOnlySpan<byte> SmallestUserKey => InternalKey.UserKey(Smallest);

    public ReadOnlySpan<byte> LargestUserKey => InternalKey.UserKey(Largest);

    /// <summary>
    /// Whether <see cref="NumEntries"/>, <see cref="NumDeletions"/> and <see cref="RawValueBytes"/> are known: set
    /// once from the table's properties when a flush, compaction or ingest creates the file, or when the open loads its
    /// reader (RocksDB's init_stats_from_file); files without them count at their plain size in compaction scores.
    /// </summary>
    public bool HasStats { get; private set; }

    /// <summary>Point entries in the file, deletions included (table property rocksdb.num.entries).</summary>
    public long NumEntries { get; private set; }

    /// <summary>Point deletions in the file (rocksdb.deleted.keys; range deletions not counted).</summary>
    public long NumDeletions { get; private set; }

    /// <summary>Bytes of the values of the file's entries before compression (rocksdb.raw.value.size).</summary>
    public long RawValueBytes { get; private set; }

    /// <summary>Records the entry counts once; later calls are ignored. Guarded by the DB mutex once the file is in a version.</summary>
    public void SetStats(TableProperties properties)
    {
        if (HasStats)
        {
            return;
        }
        NumEntries = (long)properties.NumEntries;
        NumDeletions = (long)properties.NumDeletions;
        RawValueBytes = (long)properties.RawValueSize;
        HasStats = true;
    }

    /// <summary>Versions that list this file. Guarded by the DB mutex.</summary>
    public int Refs;

    /// <summary>An input of a running compaction. Guarded by the DB mutex.</summary>
    public bool BeingCompacted;

    public override string ToString() => $"#{Number} ({FileSize} bytes)";
}
