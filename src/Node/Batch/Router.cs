using System.Collections.Concurrent;
using ManagedKv.Raft;

namespace ManagedKv.Node.Batch;

/// <summary>
/// A store's router (TiKV's RaftRouter): maps region id to the peer FSM's mailbox and schedules the FSM on the raft pool
/// when a message arrives and it is not already queued. Messages for an unknown region go to the store-level control
/// path, which for now counts and drops them (<see cref="UnknownRegionMessages"/>; the caller sees false). Also the
/// proposal entry point for the KV service and the memory counters.
/// Thread-safe: every public member may be called from any thread.
/// </summary>
public sealed class Router
{
    private readonly ConcurrentDictionary<ulong, PeerFsm> _peers = new();
    private FsmPool<PeerFsm>? _raftPool;
    private FsmPool<ApplyFsm>? _applyPool;
    private volatile bool _closed;
    private volatile bool _stopped;
    private long _queuedMessages;
    private long _pendingProposals;
    private long _applyQueueBytes;
    private long _unknownRegionMessages;

    internal Router(ulong storeId) => StoreId = storeId;

    /// <summary>The store this router serves.</summary>
    public ulong StoreId { get; }

    /// <summary>Messages queued in all peer mailboxes.</summary>
    public long QueuedMessages => Interlocked.Read(ref _queuedMessages);

    /// <summary>Proposals appended and waiting for apply (or a stale verdict).</summary>
    public long PendingProposals => Interlocked.Read(ref _pendingProposals);

    /// <summary>Committed-entry bytes queued for the apply pool.</summary>
    public long ApplyQueueBytes => Interlocked.Read(ref _applyQueueBytes);

    /// <summary>Messages dropped because no peer of their region is on this store.</summary>
    public long UnknownRegionMessages => Interlocked.Read(ref _unknownRegionMessages);

    /// <summary>The regions with a peer here.</summary>
    public ICollection<ulong> RegionIds => _peers.Keys;

    /// <summary>The peer FSM of <paramref name="regionId"/>, or null. Its <see cref="PeerFsm.Peer"/> belongs to the pool.</summary>
    public PeerFsm? GetPeer(ulong regionId) => _peers.TryGetValue(regionId, out PeerFsm? fsm) ? fsm : null;

    /// <summary>Delivers a Raft message from another store. Returns false if the region is unknown or the store stopped
    /// (the message is dropped, as the network may).</summary>
    public bool Send(ulong regionId, Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Post(regionId, PeerMessage.ForRaft(message));
    }

    /// <summary>Posts <paramref name="message"/> to the region's mailbox. Returns false if the region is unknown or the
    /// store stopped.</summary>
    public bool Post(ulong regionId, in PeerMessage message)
    {
        if (_closed)
        {
            return false;
        }

        if (!_peers.TryGetValue(regionId, out PeerFsm? fsm))
        {
            Interlocked.Increment(ref _unknownRegionMessages);
            return false;
        }

        Interlocked.Increment(ref _queuedMessages);
        fsm.Enqueue(message);
        _raftPool!.Schedule(fsm);
        return true;
    }

    /// <summary>Starts an election on the region's peer here.</summary>
    public bool Campaign(ulong regionId) => Post(regionId, PeerMessage.Of(PeerMessageKind.Campaign));

    /// <summary>Asks the region's leader here to hand leadership to <paramref name="peerId"/>.</summary>
    public bool TransferLeader(ulong regionId, ulong peerId) => Post(regionId, PeerMessage.ForTransferLeader(peerId));

    /// <summary>Posts a base tick to every peer that wants one (see <see cref="PeerFsm.WantsTick"/>); the store timer
    /// calls it, or the owner when <see cref="BatchSystemOptions.BaseTickInterval"/> is zero.</summary>
    public void TickAll() => Broadcast(PeerMessageKind.Tick);

    /// <summary>Posts a raft-log-gc tick to every peer.</summary>
    public void RaftLogGcTickAll() => Broadcast(PeerMessageKind.RaftLogGcTick);

    /// <summary>
    /// Proposes write command <paramref name="command"/> (for the store's <see cref="Store.IApplyHandler"/>) to the
    /// region. The task completes once, when the command is applied on this store's peer as leader, or with a typed
    /// error: <see cref="ProposeError.NotLeader"/> (with the leader if known), <see cref="ProposeError.RegionNotFound"/>,
    /// <see cref="ProposeError.StaleCommand"/>, <see cref="ProposeError.StoreStopped"/>. The array is not copied: do
    /// not change it before the task completes.
    /// </summary>
    public Task<ProposeResult> ProposeAsync(ulong regionId, byte[] command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var proposal = new Proposal(regionId, command);
        if (_closed)
        {
            FailStopped(proposal);
            return proposal.Task;
        }

        if (!_peers.TryGetValue(regionId, out PeerFsm? fsm))
        {
            proposal.Complete(new ProposeResult(ProposeError.RegionNotFound, regionId, 0, 0, null));
            return proposal.Task;
        }

        Interlocked.Increment(ref _queuedMessages);
        fsm.Enqueue(PeerMessage.ForProposal(proposal));
        Thread.MemoryBarrier(); // pairs with Stop: either it sees this proposal or this sees _stopped
        if (_stopped)
        {
            fsm.FailQueued();
        }
        else
        {
            _raftPool!.Schedule(fsm);
        }

        return proposal.Task;
    }

    /// <summary>
    /// A linearizable read of the region (Raft's ReadIndex, TiKV's read-index path): the region's leader on this store
    /// confirms its leadership with a heartbeat quorum at its commit index, and the task completes once this store has
    /// applied up to that index — a KV-engine snapshot taken after completion sees every write acknowledged before the
    /// call. Errors as for <see cref="ProposeAsync"/>: <see cref="ProposeError.NotLeader"/> (with the leader if known;
    /// also when leadership is lost while the read waits), <see cref="ProposeError.StaleCommand"/> (this peer lost
    /// and regained leadership meanwhile; retry), <see cref="ProposeError.RegionNotFound"/>,
    /// <see cref="ProposeError.StoreStopped"/>. Completes once, with continuations off the pool threads.
    /// </summary>
    public Task<ReadIndexResult> ReadIndexAsync(ulong regionId)
    {
        var read = new ReadIndexRequest(regionId);
        if (_closed)
        {
            FailStopped(read);
            return read.Task;
        }

        if (!_peers.TryGetValue(regionId, out PeerFsm? fsm))
        {
            read.Complete(new ReadIndexResult(ProposeError.RegionNotFound, regionId, 0, 0, 0, null, null));
            return read.Task;
        }

        Interlocked.Increment(ref _queuedMessages);
        fsm.Enqueue(PeerMessage.ForRead(read));
        Thread.MemoryBarrier(); // pairs with Stop, as for proposals
        if (_stopped)
        {
            fsm.FailQueued();
        }
        else
        {
            _raftPool!.Schedule(fsm);
        }

        return read.Task;
    }

    internal void Attach(FsmPool<PeerFsm> raftPool, FsmPool<ApplyFsm> applyPool)
    {
        _raftPool = raftPool;
        _applyPool = applyPool;
    }

    internal void Register(PeerFsm fsm) => _peers[fsm.RegionId] = fsm;

    internal void Broadcast(PeerMessageKind kind)
    {
        foreach (PeerFsm fsm in _peers.Values)
        {
            if (kind != PeerMessageKind.Tick || fsm.WantsTick)
            {
                Post(fsm.RegionId, PeerMessage.Of(kind));
            }
        }
    }

    /// <summary>Rejects new messages and proposals (the first step of shutdown).</summary>
    internal void Close() => _closed = true;

    /// <summary>After the pools stopped: fails every proposal still queued anywhere.</summary>
    internal void Stop()
    {
        _stopped = true;
        Thread.MemoryBarrier();
        foreach (PeerFsm fsm in _peers.Values)
        {
            fsm.FailQueued();
            fsm.Apply.FailPending();
            fsm.FailPendingReads();
        }
    }

    internal void ScheduleApply(ulong regionId, in ApplyTask task)
    {
        ApplyFsm apply = _peers[regionId].Apply;
        apply.Enqueue(task);
        _applyPool!.Schedule(apply);
    }

    internal void PostApplyResult(ulong regionId, in Store.RaftApplyState state, bool truncated)
    {
        if (_peers.TryGetValue(regionId, out PeerFsm? fsm))
        {
            // Not refused after Close: the peer must hear of every apply it may still process.
            Interlocked.Increment(ref _queuedMessages);
            fsm.Enqueue(PeerMessage.ForApplyResult(state, truncated));
            _raftPool!.Schedule(fsm);
        }
    }

    internal void Fail(Proposal proposal, ProposeError error, ulong term, Metapb.Peer? leader) =>
        proposal.Complete(new ProposeResult(error, proposal.RegionId, 0, term, leader));

    internal void FailStopped(Proposal proposal) => proposal.TryComplete(new ProposeResult(ProposeError.StoreStopped, proposal.RegionId, 0, 0, null));

    internal void Fail(ReadIndexRequest read, ProposeError error, ulong term, Metapb.Peer? leader) =>
        read.Complete(new ReadIndexResult(error, read.RegionId, 0, 0, term, leader, null));

    internal void FailStopped(ReadIndexRequest read) =>
        read.TryComplete(new ReadIndexResult(ProposeError.StoreStopped, read.RegionId, 0, 0, 0, null, null));

    internal void OnDequeued() => Interlocked.Decrement(ref _queuedMessages);

    internal void OnProposalPending() => Interlocked.Increment(ref _pendingProposals);

    internal void OnProposalDone() => Interlocked.Decrement(ref _pendingProposals);

    internal void OnApplyQueued(long bytes) => Interlocked.Add(ref _applyQueueBytes, bytes);

    internal void OnApplyDequeued(long bytes) => Interlocked.Add(ref _applyQueueBytes, -bytes);
}
