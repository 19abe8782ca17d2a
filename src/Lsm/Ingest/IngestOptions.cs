namespace ManagedKv.Lsm;

/// <summary>Options of <see cref="LsmDb.IngestExternalFiles(ColumnFamily, IReadOnlyList{string}, IngestOptions?)"/> (RocksDB's IngestExternalFileOptions).</summary>
public sealed class IngestOptions
{
    /// <summary>
    /// Hard-link the files into the DB instead of copying them, falling back to a copy when linking fails (other
    /// volume, no support); after a successful ingest the original names are deleted. Default false (copy).
    /// </summary>
    public bool MoveFiles { get; set; }

    /// <summary>
    /// Keep older snapshots from seeing ingested data: with live snapshots every ingest gets a global sequence
    /// number. When false, a file that overlaps nothing may be ingested at sequence 0 and is then visible to existing
    /// snapshots. Default true.
    /// </summary>
    public bool SnapshotConsistency { get; set; } = true;

    /// <summary>Allow assigning a global sequence number (needed when the files overlap existing data or snapshots). Default true; when false such an ingest fails.</summary>
    public bool AllowGlobalSeqNo { get; set; } = true;

    /// <summary>Allow flushing (and waiting for) memtables whose data overlaps the files. Default true; when false such an ingest fails.</summary>
    public bool AllowBlockingFlush { get; set; } = true;

    /// <summary>Read every block of every file, verifying checksums, key order and entry types, before ingesting. Default true.</summary>
    public bool VerifyChecksumsBeforeIngest { get; set; } = true;

    internal static readonly IngestOptions Default = new();
}
