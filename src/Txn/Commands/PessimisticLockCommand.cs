using System.Buffers;

namespace ManagedKv.Txn;

/// <summary>PessimisticLock of a batch of keys; stops at the first error and then writes nothing.</summary>
internal sealed class PessimisticLockCommand(PessimisticLockRequest request) : TxnCommand<PessimisticLockResponse>
{
    private readonly byte[][] _keys = Array.ConvertAll(request.Mutations, m => m.Key);

    public override ulong StartTs => request.StartVersion;

    public override IReadOnlyList<byte[]> LatchKeys => _keys;

    public override PessimisticLockResponse Process(MvccReader reader, MvccTxn txn, ConcurrencyManager cm)
    {
        var response = new PessimisticLockResponse();
        var buffer = new ArrayBufferWriter<byte>();
        foreach (Mutation m in request.Mutations)
        {
            buffer.ResetWrittenCount();
            bool shouldNotExist = m.Op == MutationOp.Insert;
            KeyError? error = AcquirePessimisticLockAction.Acquire(
                txn, reader, m.Key, request.PrimaryLock, request.StartVersion, request.ForUpdateTs, request.LockTtl,
                request.MinCommitTs, shouldNotExist, request.ReturnValues || request.CheckExistence, buffer, out bool hasValue);
            if (error is not null)
            {
                txn.Batch.Clear();
                response.Errors.Add(error);
                response.Values.Clear();
                response.NotFounds.Clear();
                return response;
            }
            if (request.ReturnValues || request.CheckExistence)
            {
                response.Values.Add(request.ReturnValues && hasValue ? buffer.WrittenSpan.ToArray() : []);
                response.NotFounds.Add(!hasValue);
            }
        }
        return response;
    }
}
