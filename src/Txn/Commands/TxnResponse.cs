namespace ManagedKv.Txn;

/// <summary>Base of every transactional response: the region-level refusal a scheduler can give.</summary>
public abstract class TxnResponse
{
    /// <summary>Set when the command was refused by the memory quota (kvproto region_error.server_is_busy).</summary>
    public ServerIsBusy? ServerIsBusy { get; set; }
}
