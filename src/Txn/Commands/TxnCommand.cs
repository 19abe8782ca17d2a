namespace ManagedKv.Txn;

/// <summary>
/// A write command run by the <see cref="TxnScheduler"/>: it names its keys (latched), its size (memory quota), and
/// computes its response from a snapshot while collecting modifications in an <see cref="MvccTxn"/>. A command that
/// fails leaves the batch empty (TiKV writes nothing for a failed command).
/// </summary>
internal abstract class TxnCommand<TResponse>
    where TResponse : TxnResponse, new()
{
    /// <summary>start_ts of the transaction.</summary>
    public abstract ulong StartTs { get; }

    /// <summary>Raw user keys to latch.</summary>
    public abstract IReadOnlyList<byte[]> LatchKeys { get; }

    /// <summary>Estimated bytes the command holds while pending.</summary>
    public virtual long WriteBytes
    {
        get
        {
            long n = 64;
            foreach (byte[] k in LatchKeys)
            {
                n += k.Length + 64;
            }
            return n;
        }
    }

    /// <summary>Runs the command. REQUIRES: latches on <see cref="LatchKeys"/> held.</summary>
    public abstract TResponse Process(MvccReader reader, MvccTxn txn, ConcurrencyManager cm);
}
