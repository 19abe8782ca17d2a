namespace ManagedKv.Txn;

/// <summary>
/// The rule that decides whether a lock blocks a snapshot read at <c>ts</c> (TiKV's <c>check_ts_conflict</c>): it
/// does not when it started after ts, is a Lock/Pessimistic lock, has min_commit_ts &gt; ts (the writer will commit
/// above ts), is the primary of a read at <see cref="TimeStamp.Max"/> (read-latest of the primary), or was resolved
/// by the client (bypass list). Stateless.
/// </summary>
internal static class ReadLockCheck
{
    /// <summary>Returns the KeyIsLocked error when <paramref name="lockRecord"/> blocks the read, else null.</summary>
    public static KeyIsLocked? Check(Lock lockRecord, byte[] encodedKey, byte[]? userKey, ulong ts, ulong[]? bypassLocks)
    {
        if (lockRecord.StartTs > ts || lockRecord.IsReadTransparent || lockRecord.MinCommitTs > ts)
        {
            return null;
        }
        if (bypassLocks is not null && Array.IndexOf(bypassLocks, lockRecord.StartTs) >= 0)
        {
            return null;
        }
        userKey ??= MvccKey.DecodeUserKey(encodedKey);
        if (ts == TimeStamp.Max && userKey.AsSpan().SequenceEqual(lockRecord.Primary))
        {
            return null;
        }
        return new KeyIsLocked(lockRecord.ToLockInfo(userKey));
    }
}
