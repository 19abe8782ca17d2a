namespace ManagedKv.Txn;

/// <summary>TxnHeartBeat on the primary lock.</summary>
internal sealed class TxnHeartBeatCommand(TxnHeartBeatRequest request) : TxnCommand<TxnHeartBeatResponse>
{
    private readonly byte[][] _keys = [request.PrimaryLock];

    public override ulong StartTs => request.StartVersion;

    public override IReadOnlyList<byte[]> LatchKeys => _keys;

    public override TxnHeartBeatResponse Process(MvccReader reader, MvccTxn txn, ConcurrencyManager cm)
    {
        var response = new TxnHeartBeatResponse();
        response.Error = TxnHeartBeatAction.HeartBeat(txn, reader, request.PrimaryLock, request.StartVersion, request.AdviseLockTtl, out ulong ttl);
        response.LockTtl = ttl;
        return response;
    }
}
