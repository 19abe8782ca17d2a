namespace ManagedKv.Txn;

/// <summary>kvproto <c>PrewriteRequest.PessimisticAction</c>: what a pessimistic prewrite checks per key.</summary>
public enum PessimisticAction
{
    /// <summary>The key was not locked pessimistically: check write conflicts against for_update_ts.</summary>
    SkipPessimisticCheck = 0,

    /// <summary>The key must hold this transaction's pessimistic lock.</summary>
    DoPessimisticCheck = 1,

    /// <summary>Not locked pessimistically, but check constraints (Insert) as an optimistic prewrite would.</summary>
    DoConstraintCheck = 2,
}
