namespace ManagedKv.RaftEngine;

/// <summary>
/// Where a block of bytes lives: file sequence number, byte offset, length. The only thing the pipe (which knows
/// files, not regions) and the index (which knows regions, not files) exchange, as in raft-engine.
/// </summary>
internal readonly record struct FileBlockHandle(ulong FileSeq, long Offset, int Length);
