namespace ManagedKv.Txn;

/// <summary>
/// A per-key transaction error returned to the client as data (kvproto <c>kvrpcpb.KeyError</c>). Each subclass names
/// the KeyError field it fills; the ones without a dedicated field travel as the <c>abort</c> string
/// (<see cref="Message"/>), as TiKV sends them. Immutable.
/// </summary>
public abstract class KeyError
{
    /// <summary>Field number in <c>kvrpcpb.KeyError</c> this error fills (3 = abort).</summary>
    public abstract int KvProtoField { get; }

    /// <summary>Human-readable description (the abort string for errors without their own field).</summary>
    public abstract string Message { get; }

    public override string ToString() => Message;
}
