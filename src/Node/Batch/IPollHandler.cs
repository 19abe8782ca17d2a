namespace ManagedKv.Node.Batch;

/// <summary>
/// What a pool thread does with a batch of ready FSMs (TiKV's PollHandler): <see cref="Handle"/> each (drain a bounded
/// number of messages), then <see cref="EndRound"/> for the whole batch (collect Readies, write one batch). One
/// instance per pool thread: it may keep scratch state without locks.
/// </summary>
internal interface IPollHandler<T>
    where T : Fsm
{
    /// <summary>Handles what <paramref name="fsm"/>'s mailbox holds, up to the per-round bound; returns whether more
    /// is left (the FSM is then queued again without lowering its flag).</summary>
    bool Handle(T fsm);

    /// <summary>Finishes the round for every FSM of <paramref name="batch"/>.</summary>
    void EndRound(List<T> batch);

    /// <summary>The round threw (the store stops): answer what the round held so no caller waits forever.</summary>
    void Abort(List<T> batch);
}
