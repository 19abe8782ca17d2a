namespace ManagedKv.Node.Store;

/// <summary>
/// A persisted per-region record (Raft entry, <see cref="RaftLocalState"/>, <see cref="RaftApplyState"/>,
/// <see cref="RegionLocalState"/>) failed to decode, or the records of one region contradict each other. The engines
/// below already verify checksums, so this means a bug or a format mismatch; the region's data is never guessed at.
/// </summary>
public sealed class StoreCorruptionException : Exception
{
    /// <summary>Creates the exception for <paramref name="regionId"/>'s record <paramref name="record"/>.</summary>
    public StoreCorruptionException(ulong regionId, string record, int offset, string detail)
        : base($"Region {regionId}: corrupt {record} at byte {offset}: {detail}")
    {
        RegionId = regionId;
        Record = record;
        Offset = offset;
    }

    /// <summary>The region whose record is corrupt.</summary>
    public ulong RegionId { get; }

    /// <summary>Which record: "entry N", "RaftLocalState", "RaftApplyState", "RegionLocalState".</summary>
    public string Record { get; }

    /// <summary>Byte offset in the record's value where decoding failed (-1 when the records disagree).</summary>
    public int Offset { get; }
}
