namespace ManagedKv.Node.Batch;

/// <summary>
/// The raft pool's round (TiKV's RaftPoller): drain each peer's mailbox (bounded), then collect every Ready of the
/// batch — messages to the transport, one store-writer task per peer (the writer merges the regions into one fsync),
/// durable committed entries to the apply pool. Nothing here waits on a region.
/// </summary>
internal sealed class RaftPollHandler : IPollHandler<PeerFsm>
{
    public bool Handle(PeerFsm fsm) => fsm.HandleMailbox();

    public void EndRound(List<PeerFsm> batch)
    {
        foreach (PeerFsm fsm in batch)
        {
            fsm.EndRound();
        }
    }

    public void Abort(List<PeerFsm> batch)
    {
        foreach (PeerFsm fsm in batch)
        {
            fsm.AbortRound();
        }
    }
}
