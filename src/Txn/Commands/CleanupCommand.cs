namespace ManagedKv.Txn;

/// <summary>Cleanup of one key: rolls back an expired (or, with current_ts 0, any) lock of the transaction.</summary>
internal sealed class CleanupCommand(CleanupRequest request) : TxnCommand<CleanupResponse>
{
    private readonly byte[][] _keys = [request.Key];

    public override ulong StartTs => request.StartVersion;

    public override IReadOnlyList<byte[]> LatchKeys => _keys;

    public override CleanupResponse Process(MvccReader reader, MvccTxn txn, ConcurrencyManager cm)
    {
        var response = new CleanupResponse();
        KeyError? error = CleanupAction.Cleanup(txn, reader, request.Key, request.StartVersion, request.CurrentTs, protectRollback: true);
        if (error is not null)
        {
            txn.Batch.Clear();
            response.Error = error;
            if (error is TxnAlreadyCommitted committed)
            {
                response.CommitVersion = committed.CommitTs;
            }
        }
        return response;
    }
}
