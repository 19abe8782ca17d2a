namespace ManagedKv.RaftEngine;

/// <summary>
/// A purged log file kept for reuse under its recycle name (FORMAT.md, "Recycling"): its blocks are already
/// allocated and written, so appends into it after reuse overwrite data in place and a data sync needs no metadata
/// commit. <see cref="File"/> is the purged file's object while readers of its old life may still hold it (null
/// for a file found at open).
/// </summary>
internal sealed record RecycledFile(string Path, LogFile? File);
