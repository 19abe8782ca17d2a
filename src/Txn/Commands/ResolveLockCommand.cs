namespace ManagedKv.Txn;

/// <summary>ResolveLock of given keys: commit at commit_version, or roll back when it is 0.</summary>
internal sealed class ResolveLockCommand(ulong startTs, ulong commitTs, byte[][] keys) : TxnCommand<ResolveLockResponse>
{
    public override ulong StartTs => startTs;

    public override IReadOnlyList<byte[]> LatchKeys => keys;

    public override ResolveLockResponse Process(MvccReader reader, MvccTxn txn, ConcurrencyManager cm)
    {
        var response = new ResolveLockResponse();
        foreach (byte[] key in keys)
        {
            KeyError? error = ResolveLockAction.Resolve(txn, reader, key, startTs, commitTs);
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
