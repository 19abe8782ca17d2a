namespace ManagedKv.Txn;

/// <summary>
/// Constants of the GC pending-delete file (FORMAT.md §8). On-disk: never renumber. A reader that meets another
/// version or an unknown record kind fails with <c>CorruptionException</c>: the deletes it cannot read would leak.
/// </summary>
internal static class GcPendingFormat
{
    /// <summary>"MKVGCPD1" read as bytes.</summary>
    public static ReadOnlySpan<byte> Magic => "MKVGCPD1"u8;

    public const byte Version = 1;

    /// <summary>Magic, version byte, fixed64 safe point.</summary>
    public const int HeaderLength = 8 + 1 + 8;

    /// <summary>Record kind: a <c>default</c> CF key (<c>enc(k) ‖ ~start_ts</c>) to delete.</summary>
    public const byte KindDefaultCfKey = 1;

    /// <summary>Record kind: a raw user key to GC explicitly (a delete mark kept above the bottom level).</summary>
    public const byte KindMvccDeletion = 2;

    /// <summary>The end record: count and checksum follow.</summary>
    public const byte KindEnd = 0;

    /// <summary>Committed files: <c>NNNNNNNN.pending</c>.</summary>
    public const string Extension = ".pending";

    /// <summary>Files being written (never replayed, deleted at open): <c>NNNNNNNN.tmp</c>.</summary>
    public const string TempExtension = ".tmp";
}
