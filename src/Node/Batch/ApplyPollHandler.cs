using ManagedKv.Lsm;
using ManagedKv.Node.Store;

namespace ManagedKv.Node.Batch;

/// <summary>
/// The apply pool's round (TiKV's ApplyPoller): every apply FSM of the batch adds its entries and apply state to one
/// <see cref="WriteBatch"/>; one Lsm write (synced only when a log truncation follows) makes them durable together;
/// then proposals complete and results go to the peers. One instance per apply thread.
/// </summary>
internal sealed class ApplyPollHandler(StoreEngines engines, Router router) : IPollHandler<ApplyFsm>
{
    private static readonly WriteOptions s_sync = new() { Sync = true };

    private readonly WriteBatch _batch = new();
    private readonly ApplyRound _round = new();
    private int _completed; // completions of _round already answered

    public bool Handle(ApplyFsm fsm) => fsm.Handle(_batch, _round);

    public void EndRound(List<ApplyFsm> batch)
    {
        if (_round.Results.Count > 0)
        {
            // A truncation syncs the KV engine's WAL (and every earlier applied write) before the RaftEngine drops the
            // entries, so no power loss can take both the applied data and the log that would redo it.
            engines.KvDb.Write(_batch, _round.Sync ? s_sync : null);
        }

        _batch.Clear();
        foreach ((ApplyFsm fsm, RaftApplyState state, bool truncated) in _round.Results)
        {
            fsm.OnWritten(state, truncated);
        }

        for (_completed = 0; _completed < _round.Completions.Count;)
        {
            (Proposal p, ProposeResult result) = _round.Completions[_completed++];
            router.OnProposalDone();
            p.Complete(result);
        }

        _completed = 0;
        _round.Clear();
    }

    public void Abort(List<ApplyFsm> batch)
    {
        // The write may or may not have happened: the outcome is unknown, which StoreStopped says.
        for (int i = _completed; i < _round.Completions.Count; i++)
        {
            router.OnProposalDone();
            router.FailStopped(_round.Completions[i].Proposal);
        }

        _completed = 0;

        _batch.Clear();
        _round.Clear();
    }
}
