namespace ManagedKv.Node.Batch;

/// <summary>
/// A state machine the batch system schedules onto a pool (TiKV's batch-system Fsm): it is queued at most once at a
/// time — the "notified" flag goes up when a message makes its mailbox non-empty and comes down when a poller has
/// drained it — so one pool thread at a time runs it and its messages keep their order.
/// </summary>
public abstract class Fsm
{
    private int _scheduled; // 1 while queued on a pool or being handled by a poller

    /// <summary>Whether messages or tasks wait in the mailbox.</summary>
    internal abstract bool HasPending { get; }

    /// <summary>Raises the flag; true if it was down (the caller must then queue the FSM).</summary>
    internal bool TryMarkScheduled() => Interlocked.Exchange(ref _scheduled, 1) == 0;

    /// <summary>Lowers the flag (the poller is done with the FSM).</summary>
    internal void ClearScheduled() => Volatile.Write(ref _scheduled, 0);
}
