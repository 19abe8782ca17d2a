namespace ManagedKv.Txn;

/// <summary>Rollback of a batch of keys; fails (writing nothing) when the transaction committed on one of them.</summary>
internal sealed class BatchRollbackCommand(BatchRollbackRequest request) : TxnCommand<BatchRollbackResponse>
{
    public override ulong StartTs => request.StartVersion;

    public override IReadOnlyList<byte[]> LatchKeys => request.Keys;

    public override BatchRollbackResponse Process(MvccReader reader, MvccTxn txn, ConcurrencyManager cm)
    {
        var response = new BatchRollbackResponse();
        foreach (byte[] key in request.Keys)
        {
            KeyError? error = CleanupAction.Cleanup(txn, reader, key, request.StartVersion, currentTs: 0, protectRollback: true);
            if (error is not null)
            {
                txn.Batch.Clear();
                response.Error = error;
                return response;
            }
        }
        return response;
    }
}
