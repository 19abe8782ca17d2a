namespace ManagedKv.RaftEngine;

/// <summary>How <see cref="RaftLogEngine.Open"/> treats log data that fails a check (raft-engine's three modes).</summary>
public enum RecoveryMode
{
    /// <summary>Any failed check, even a torn last batch, makes Open throw <see cref="CorruptionException"/>.</summary>
    AbsoluteConsistency = 0,

    /// <summary>
    /// A failed check in the newest file cuts that file off there (a batch torn by a crash was never acknowledged
    /// as synced); a failed check in any older file makes Open throw. The default.
    /// </summary>
    TolerateTailCorruption = 1,

    /// <summary>Batches that fail a check are skipped and listed in <see cref="RaftLogEngine.RecoveryReport"/>.</summary>
    TolerateAnyCorruption = 2,
}
