namespace ManagedKv.Txn;

/// <summary>
/// Prewrite of a batch of mutations (optimistic or pessimistic, optionally async commit or 1PC). Any key error
/// means nothing is written and every error is returned. With 1PC and no error, the commit records are written at
/// once at the largest min_commit_ts of the batch.
/// </summary>
internal sealed class PrewriteCommand(PrewriteRequest request) : TxnCommand<PrewriteResponse>
{
    private readonly byte[][] _keys = KeysOf(request.Mutations);

    public override ulong StartTs => request.StartVersion;

    public override IReadOnlyList<byte[]> LatchKeys => _keys;

    public override long WriteBytes
    {
        get
        {
            long n = 128;
            foreach (Mutation m in request.Mutations)
            {
                n += m.Key.Length * 3 + m.Value.Length + 96;
            }
            return n;
        }
    }

    public override PrewriteResponse Process(MvccReader reader, MvccTxn txn, ConcurrencyManager cm)
    {
        var props = new PrewriteProps
        {
            StartTs = request.StartVersion,
            Primary = request.PrimaryLock,
            LockTtl = request.LockTtl,
            TxnSize = request.TxnSize,
            ForUpdateTs = request.ForUpdateTs,
            MinCommitTs = request.MinCommitTs,
            MaxCommitTs = request.MaxCommitTs,
            UseAsyncCommit = request.UseAsyncCommit,
            TryOnePc = request.TryOnePc,
            Secondaries = request.Secondaries,
            SkipConstraintCheck = request.SkipConstraintCheck,
        };
        var response = new PrewriteResponse();
        ulong maxMinCommitTs = 0;
        Mutation[] mutations = request.Mutations;
        for (int i = 0; i < mutations.Length; i++)
        {
            PessimisticAction action = i < request.PessimisticActions.Length ? request.PessimisticActions[i] : PessimisticAction.SkipPessimisticCheck;
            KeyError? error = PrewriteAction.Prewrite(txn, reader, cm, props, mutations[i], action, out ulong minCommitTs);
            if (error is not null)
            {
                response.Errors.Add(error);
            }
            else
            {
                maxMinCommitTs = Math.Max(maxMinCommitTs, minCommitTs);
            }
        }
        if (response.Errors.Count > 0)
        {
            txn.Batch.Clear();
            return response;
        }
        if (txn.LocksFor1pc.Count > 0)
        {
            if (txn.FellBackTo2pc)
            {
                foreach ((byte[] key, Lock lockRecord) in txn.LocksFor1pc)
                {
                    Lock plain = lockRecord.Clone();
                    plain.UseAsyncCommit = false;
                    plain.Secondaries = [];
                    plain.MinCommitTs = Math.Max(request.MinCommitTs, TimeStamp.Next(request.StartVersion));
                    txn.PutLock(key, plain);
                }
            }
            else
            {
                foreach ((byte[] key, Lock lockRecord) in txn.LocksFor1pc)
                {
                    CommitAction.WriteCommitRecord(txn, key, lockRecord, maxMinCommitTs);
                }
                response.OnePcCommitTs = maxMinCommitTs;
            }
        }
        else if (request.UseAsyncCommit && !txn.FellBackTo2pc)
        {
            response.MinCommitTs = maxMinCommitTs;
        }
        return response;
    }

    private static byte[][] KeysOf(Mutation[] mutations)
    {
        var keys = new byte[mutations.Length][];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = mutations[i].Key;
        }
        return keys;
    }
}
