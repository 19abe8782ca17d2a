namespace ManagedKv.Lsm.Wal;

/// <summary>
/// The type byte of a WAL physical record (FORMAT-WAL.md). On-disk: never renumber (values follow leveldb's
/// log_format.h). A logical record is one <see cref="Full"/> fragment or <see cref="First"/>, zero or more
/// <see cref="Middle"/>, then <see cref="Last"/>, in consecutive physical records.
/// </summary>
internal enum WalRecordType : byte
{
    /// <summary>Never written: a header of zeros is preallocated, unwritten space (the end of the log).</summary>
    Zero = 0,

    /// <summary>A whole logical record.</summary>
    Full = 1,

    /// <summary>The first fragment of a logical record.</summary>
    First = 2,

    /// <summary>An inner fragment.</summary>
    Middle = 3,

    /// <summary>The final fragment.</summary>
    Last = 4,
}
