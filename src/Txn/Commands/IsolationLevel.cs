namespace ManagedKv.Txn;

/// <summary>kvproto <c>IsolationLevel</c>: SI blocks on locks at or below the read ts; RC ignores locks.</summary>
public enum IsolationLevel
{
    Si = 0,
    Rc = 1,
}
