namespace ManagedKv.Lsm.Ingest;

/// <summary>
/// One external file on its way into the DB: what inspection found, where it was linked or copied, and where it goes.
/// Owned by the ingesting thread; level and sequence are chosen under the DB mutex.
/// </summary>
internal sealed class IngestedFile
{
    public required string SourcePath { get; init; }

    public required long FileSize { get; init; }

    public required TableProperties Properties { get; init; }

    public required byte[] SmallestUserKey { get; init; }

    public required byte[] LargestUserKey { get; init; }

    /// <summary>The DB's file number (0 until the file is linked or copied in).</summary>
    public ulong Number { get; set; }

    /// <summary>The file in the DB folder was made by a hard link (else a copy).</summary>
    public bool Linked { get; set; }

    public int Level { get; set; }

    /// <summary>Global sequence number, 0 when entries read at their stored sequence 0.</summary>
    public ulong GlobalSequence { get; set; }
}
