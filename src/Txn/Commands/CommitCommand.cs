namespace ManagedKv.Txn;

/// <summary>Commit of a batch of keys at commit_version; the first error fails the command and nothing is written.</summary>
internal sealed class CommitCommand(CommitRequest request) : TxnCommand<CommitResponse>
{
    public override ulong StartTs => request.StartVersion;

    public override IReadOnlyList<byte[]> LatchKeys => request.Keys;

    public override CommitResponse Process(MvccReader reader, MvccTxn txn, ConcurrencyManager cm)
    {
        if (request.CommitVersion <= request.StartVersion)
        {
            throw new ArgumentException($"commit_version {request.CommitVersion} must exceed start_version {request.StartVersion}");
        }
        var response = new CommitResponse();
        foreach (byte[] key in request.Keys)
        {
            KeyError? error = CommitAction.Commit(txn, reader, key, request.StartVersion, request.CommitVersion);
            if (error is not null)
            {
                txn.Batch.Clear();
                response.Error = error;
                return response;
            }
        }
        response.CommitVersion = request.CommitVersion;
        return response;
    }
}
