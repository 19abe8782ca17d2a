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

    /// <summary>Versions that list this file. Guarded by the DB mutex.</summary>
    public int Refs;

    /// <summary>An input of a running compaction. Guarded by the DB mutex.</summary>
    public bool BeingCompacted;

    public override string ToString() => $"#{Number} ({FileSize} bytes)";
}
