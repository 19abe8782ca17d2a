namespace ManagedKv.Txn;

/// <summary>What CheckSecondaryLocks found on one key.</summary>
internal enum SecondaryLockStatus
{
    /// <summary>The key holds the transaction's (prewrite) lock.</summary>
    Locked,

    /// <summary>The transaction committed on the key.</summary>
    Committed,

    /// <summary>The transaction is rolled back on the key (possibly just now).</summary>
    RolledBack,
}
