namespace ManagedKv.RaftEngine;

/// <summary>
/// A parsed file header (FORMAT.md, "File header"): the format version, where the first batch starts, the file's
/// sequence, and (version 2) the sequence and data length of the file that preceded it in the directory when it
/// was created, which lets recovery tell that file's exact end from the stale or zero bytes after it.
/// </summary>
internal readonly record struct LogFileHeader(uint Version, int Size, ulong Seq, ulong PrevSeq, long PrevLength);
