using ManagedKv.Node.Store;
using ManagedKv.Raft;

namespace ManagedKv.Node.Batch;

/// <summary>The peers' <see cref="IApplyScheduler"/>: queues work on the region's <see cref="ApplyFsm"/> and schedules
/// it on the apply pool. Called on raft-pool threads.</summary>
internal sealed class ApplyScheduler(Router router) : IApplyScheduler
{
    public void ScheduleApply(Peer peer, EntrySlice committed)
    {
        long bytes = 0;
        foreach (Entry e in committed)
        {
            bytes += e.SizeBytes;
        }

        router.ScheduleApply(peer.RegionId, new ApplyTask(committed, false, bytes));
    }

    public void ScheduleForceCompact(Peer peer) => router.ScheduleApply(peer.RegionId, new ApplyTask(default, true, 0));
}
