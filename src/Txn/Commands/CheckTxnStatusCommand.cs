namespace ManagedKv.Txn;

/// <summary>CheckTxnStatus on a primary key (see <see cref="CheckTxnStatusRule"/>).</summary>
internal sealed class CheckTxnStatusCommand(CheckTxnStatusRequest request) : TxnCommand<CheckTxnStatusResponse>
{
    private readonly byte[][] _keys = [request.PrimaryKey];

    public override ulong StartTs => request.LockTs;

    public override IReadOnlyList<byte[]> LatchKeys => _keys;

    public override CheckTxnStatusResponse Process(MvccReader reader, MvccTxn txn, ConcurrencyManager cm)
    {
        // An async-commit transaction must not commit at or below the caller's snapshot once it has been checked.
        cm.UpdateMaxTs(request.CallerStartTs);
        var response = new CheckTxnStatusResponse();
        KeyError? error = CheckTxnStatusRule.Check(
            txn, reader, request.PrimaryKey, request.LockTs, request.CallerStartTs, request.CurrentTs,
            request.RollbackIfNotExist, request.ForceSyncCommit, request.ResolvingPessimisticLock, out CheckTxnStatusResult result);
        if (error is not null)
        {
            txn.Batch.Clear();
            response.Error = error;
            return response;
        }
        response.Status = result.Status;
        response.Action = result.Action;
        response.LockTtl = result.LockTtl;
        response.CommitVersion = result.CommitTs;
        response.LockInfo = result.Lock?.ToLockInfo(request.PrimaryKey);
        return response;
    }
}
