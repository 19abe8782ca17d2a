namespace ManagedKv.Txn;

/// <summary>PessimisticRollback of a batch of keys.</summary>
internal sealed class PessimisticRollbackCommand(PessimisticRollbackRequest request) : TxnCommand<PessimisticRollbackResponse>
{
    public override ulong StartTs => request.StartVersion;

    public override IReadOnlyList<byte[]> LatchKeys => request.Keys;

    public override PessimisticRollbackResponse Process(MvccReader reader, MvccTxn txn, ConcurrencyManager cm)
    {
        foreach (byte[] key in request.Keys)
        {
            PessimisticRollbackAction.Rollback(txn, reader, key, request.StartVersion, request.ForUpdateTs);
        }
        return new PessimisticRollbackResponse();
    }
}
