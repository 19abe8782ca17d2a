namespace ManagedKv.Txn;

/// <summary>
/// CheckSecondaryLocks of an async-commit transaction: committed if any key committed, rolled back if any key is
/// (or now gets) rolled back, otherwise the list of locks.
/// </summary>
internal sealed class CheckSecondaryLocksCommand(CheckSecondaryLocksRequest request) : TxnCommand<CheckSecondaryLocksResponse>
{
    public override ulong StartTs => request.StartVersion;

    public override IReadOnlyList<byte[]> LatchKeys => request.Keys;

    public override CheckSecondaryLocksResponse Process(MvccReader reader, MvccTxn txn, ConcurrencyManager cm)
    {
        var response = new CheckSecondaryLocksResponse();
        bool rolledBack = false;
        ulong commitTs = 0;
        foreach (byte[] key in request.Keys)
        {
            switch (CheckSecondaryLockAction.Check(txn, reader, key, request.StartVersion, out Lock? lockRecord, out ulong keyCommitTs))
            {
                case SecondaryLockStatus.Locked:
                    response.Locks.Add(lockRecord!.ToLockInfo(key));
                    break;
                case SecondaryLockStatus.Committed:
                    commitTs = keyCommitTs;
                    break;
                default:
                    rolledBack = true;
                    break;
            }
        }
        if (commitTs != 0 && rolledBack)
        {
            throw new InvalidOperationException($"async-commit txn {request.StartVersion} is both committed at {commitTs} and rolled back");
        }
        if (commitTs != 0 || rolledBack)
        {
            response.Locks.Clear();
            response.CommitTs = commitTs;
        }
        return response;
    }
}
