namespace ManagedKv.Txn;

/// <summary>
/// ResolveLock of one key: commits the transaction's lock at commit_ts, or (commit_ts = 0) rolls it back. Keys
/// whose lock is already gone are committed/rolled back idempotently. REQUIRES: the key's latch is held.
/// </summary>
internal static class ResolveLockAction
{
    public static KeyError? Resolve(MvccTxn txn, MvccReader reader, byte[] userKey, ulong startTs, ulong commitTs) =>
        commitTs == 0
            ? CleanupAction.Cleanup(txn, reader, userKey, startTs, currentTs: 0, protectRollback: false)
            : CommitAction.Commit(txn, reader, userKey, startTs, commitTs);
}
