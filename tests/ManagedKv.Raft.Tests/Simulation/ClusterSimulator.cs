using System.Buffers.Binary;

namespace ManagedKv.Raft.Tests;

/// <summary>
/// A deterministic cluster of 3–5 <see cref="RawNode"/>s over a network that drops, delays, duplicates and
/// reorders messages, partitions and heals, crashes and restarts nodes from their persisted state, and changes the
/// membership: adds voters and learners (from spare nodes that start empty and catch up by snapshot, as TiKV's new
/// peers do), promotes, demotes and removes them, and replaces voters through joint consensus, left automatically
/// or explicitly. A node whose removal is applied anywhere is destroyed, as a store destroys a removed peer.
/// Persistence is asynchronous: a Ready's storage writes happen at a later random step, in order, and are lost
/// if the node crashes first. After every step the safety invariants are checked; any violation throws with the
/// seed. Everything derives from the seed, so a failing seed replays exactly.
/// </summary>
internal sealed class ClusterSimulator
{
    /// <summary>The initial voters start from a snapshot at this index (TiKV's initial log index), so that a node
    /// added later, whose log is empty, can only catch up from a snapshot.</summary>
    public const ulong BootstrapIndex = 5;

    /// <summary>Empty nodes, beyond the initial voters, that membership changes may add.</summary>
    private const int SpareNodes = 2;

    /// <summary>MANAGEDKV_SIM_TRACE=1 records every delivered message in the trace (for replaying one seed).</summary>
    private static readonly bool s_traceMessages = Environment.GetEnvironmentVariable("MANAGEDKV_SIM_TRACE") == "1";

    private readonly Random _rng;
    private readonly int _seed;
    private readonly bool _faults;
    private readonly SortedDictionary<ulong, SimNode> _nodes = new();
    private readonly List<SimMessage> _network = [];
    private readonly Dictionary<ulong, ulong> _leaderOfTerm = new();
    private readonly Dictionary<ulong, (ulong Term, byte[] Data)> _committed = new();
    private readonly Dictionary<ulong, int> _partition = new();
    private readonly List<string> _trace = [];
    private readonly Dictionary<long, ulong> _readsIssued = new();
    private readonly HashSet<ulong> _confChangeIndices = [];
    private readonly List<(SimNode Node, ulong Index, ConfState Members)> _toDestroy = [];
    private long _nextRead;
    private ulong _maxCommitted;
    private long _tick;
    private long _step;
    private int _nextProposal;

    public ClusterSimulator(int seed, bool faults = true)
    {
        _faults = faults;
        _seed = seed;
        _rng = new Random(seed);
        int size = 3 + _rng.Next(3);
        PreVote = _rng.Next(2) == 0;
        CheckQuorum = _rng.Next(2) == 0;
        MaxSizePerMsg = (ulong)(_rng.Next(2) == 0 ? 64 : 1 << 20);
        MaxInflight = 1 + _rng.Next(8);
        DropRate = faults ? _rng.NextDouble() * 0.2 : 0;
        DuplicateRate = faults ? _rng.NextDouble() * 0.05 : 0;
        MaxDelay = _rng.Next(4);
        var voters = new ulong[size];
        for (int i = 0; i < size; i++)
        {
            voters[i] = (ulong)i + 1;
        }

        foreach (ulong id in voters)
        {
            var disk = new MemoryRaftStorage();
            disk.ApplySnapshot(new Snapshot(BootstrapIndex, 1, new ConfState(voters), IndexData(BootstrapIndex)));
            disk.SetHardState(new HardState(1, 0, BootstrapIndex));
            var node = new SimNode(id, disk);
            _nodes[id] = node;
            Start(node);
        }

        for (int i = 1; i <= SpareNodes; i++)
        {
            var node = new SimNode((ulong)(size + i), new MemoryRaftStorage());
            _nodes[node.Id] = node;
            Start(node);
        }
    }

    public bool PreVote { get; }

    public bool CheckQuorum { get; }

    public ulong MaxSizePerMsg { get; }

    public int MaxInflight { get; }

    public double DropRate { get; private set; }

    public double DuplicateRate { get; private set; }

    public int MaxDelay { get; }

    public int ElectionTick => 10;

    public ulong MaxCommitted => _maxCommitted;

    public int ProposalsApplied { get; private set; }

    public int ProposalsDropped { get; private set; }

    public int ReadsAnswered { get; private set; }

    public int Snapshots { get; private set; }

    public int SnapshotsInstalled { get; private set; }

    public int Leaders => _leaderOfTerm.Count;

    /// <summary>Membership changes applied (by the first node to apply each).</summary>
    public int ConfChangesApplied => _confChangeIndices.Count;

    /// <summary>Joint configurations entered.</summary>
    public int JointConfigs { get; private set; }

    /// <summary>Nodes destroyed after their removal was applied.</summary>
    public int NodesRemoved { get; private set; }

    public string TraceText => string.Join("\n", _trace) + "\n" + DumpState();

    public string Describe() =>
        $"seed={_seed} nodes={_nodes.Count} preVote={PreVote} checkQuorum={CheckQuorum} maxSize={MaxSizePerMsg} inflight={MaxInflight} drop={DropRate:F2} dup={DuplicateRate:F2} delay={MaxDelay}";

    /// <summary>Runs <paramref name="steps"/> random fault-injecting steps, then heals everything and checks that
    /// the cluster elects a leader and commits within a bound.</summary>
    public void Run(int steps)
    {
        try
        {
            for (int i = 0; i < steps; i++)
            {
                RandomStep();
                CheckInvariants(full: i % 64 == 0);
            }

            HealAndCheckLiveness();
            CheckInvariants(full: true);
        }
        catch (Exception e) when (e is not SimulationException)
        {
            throw new SimulationException($"{Describe()} step={_step} tick={_tick}: {e.Message}\n{string.Join("\n", _trace.TakeLast(40))}", e);
        }
    }

    /// <summary>Rewrites the recorded history of a committed index, so tests can check that the simulator's
    /// checks do fire.</summary>
    public void CorruptHistoryForTest(ulong index) => _committed[index] = (ulong.MaxValue, []);

    private void Start(SimNode node)
    {
        node.Incarnation++;
        node.Unpersisted.Clear();
        node.Applied.Clear();
        node.CheckedCommit = 0;

        // The state machine is rebuilt from the snapshot (if any) and then the log.
        Snapshot snap = node.Disk.Snapshot()!;
        node.SnapshotBase = snap.Index;
        node.ConfState = snap.ConfState;
        var config = new RaftConfig
        {
            Id = node.Id,
            ElectionTick = ElectionTick,
            HeartbeatTick = 2,
            PreVote = PreVote,
            CheckQuorum = CheckQuorum,
            MaxSizePerMsg = MaxSizePerMsg,
            MaxInflightMsgs = MaxInflight,
            Applied = snap.Index,
            RandomSeed = ((ulong)_seed * 1_000_003UL) + (node.Id * 7919UL) + (ulong)node.Incarnation,
        };
        node.Node = new RawNode(config, node.Disk);
    }

    private void Trace(string s)
    {
        _trace.Add($"[{_step}/{_tick}] {s}");
        if (_trace.Count > 4000)
        {
            _trace.RemoveRange(0, 2000);
        }
    }

    private void RandomStep()
    {
        _step++;
        int roll = _rng.Next(1000);
        if (roll < 450)
        {
            // Delivery is much faster than a tick (network latency ≪ Raft's base tick).
            int batch = 1 + _rng.Next(8);
            for (int i = 0; i < batch; i++)
            {
                DeliverOne();
            }
        }
        else if (roll < 530)
        {
            TickAll();
        }
        else if (roll < 780)
        {
            // A store writer persists a batch of pending Readies with one write, as a real one does.
            SimNode n = RandomNode();
            int count = _rng.Next(3) == 0 ? 1 + _rng.Next(Math.Max(1, n.Unpersisted.Count)) : n.Unpersisted.Count;
            for (int i = 0; i < count; i++)
            {
                PersistOne(n);
            }
        }
        else if (roll < 900)
        {
            Propose(RandomNode());
        }
        else if (roll < 915)
        {
            ProposeConfChange();
        }
        else if (roll < 930)
        {
            Compact(RandomNode());
        }
        else if (roll < 960)
        {
            ReadIndex(RandomNode());
        }
        else if (!_faults && roll < 986)
        {
            TickAll();
        }
        else if (roll < 963)
        {
            Crash(RandomNode());
        }
        else if (roll < 973)
        {
            foreach (SimNode n in _nodes.Values)
            {
                if (!n.Alive && !n.Removed)
                {
                    Trace($"restart {n.Id}");
                    Start(n);
                    break;
                }
            }
        }
        else if (roll < 976)
        {
            Partition();
        }
        else if (roll < 986)
        {
            Trace("heal");
            _partition.Clear();
        }
        else
        {
            ProcessReady(RandomNode());
        }

        foreach (SimNode n in _nodes.Values)
        {
            ProcessReady(n);
        }

        DestroyRemovedNodes();
    }

    private SimNode RandomNode()
    {
        int i = _rng.Next(_nodes.Count);
        foreach (SimNode n in _nodes.Values)
        {
            if (i-- == 0)
            {
                return n;
            }
        }

        throw new InvalidOperationException("unreachable");
    }

    private void TickAll()
    {
        _tick++;
        foreach (SimNode n in _nodes.Values)
        {
            n.Node?.Tick();
        }
    }

    private void Propose(SimNode n)
    {
        if (!n.Alive)
        {
            return;
        }

        var data = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(data, ++_nextProposal);
        if (n.Node!.Propose(data) != RaftResult.Ok)
        {
            ProposalsDropped++;
        }
    }

    private void ReadIndex(SimNode n)
    {
        if (!n.Alive)
        {
            return;
        }

        // Linearizability: the answer must cover everything committed before the request was issued.
        long ctx = ++_nextRead;
        _readsIssued[ctx] = _maxCommitted;
        var data = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(data, ctx);
        n.Node!.ReadIndex(data);
    }

    private void CheckReadState(SimNode n, ReadState rs)
    {
        long ctx = BinaryPrimitives.ReadInt64LittleEndian(rs.RequestContext.Span);
        // A duplicated request may be answered twice; each answer must still be fresh.
        if (!_readsIssued.TryGetValue(ctx, out ulong committedAtIssue))
        {
            throw new SimulationException($"{Describe()}: node {n.Id} answered unknown read {ctx}");
        }

        if (rs.Index < committedAtIssue)
        {
            throw new SimulationException($"{Describe()}: stale read on node {n.Id}: read index {rs.Index} < {committedAtIssue} committed before the request");
        }

        ReadsAnswered++;
    }

    /// <summary>Snapshots the state machine at the applied index and compacts the log up to it.</summary>
    private void Compact(SimNode n)
    {
        if (!n.Alive || n.Applied.Count == 0)
        {
            return;
        }

        ulong index = n.Applied[^1].Index;
        if (index <= n.Disk.FirstIndex() - 1 || index > n.Disk.LastIndex())
        {
            return;
        }

        n.Disk.CreateSnapshot(index, n.ConfState, IndexData(index));
        n.Disk.Compact(index);
        Snapshots++;
    }

    /// <summary>State machine data of a snapshot: the index it was taken at (checked when it is restored).</summary>
    private static byte[] IndexData(ulong index)
    {
        var data = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(data, index);
        return data;
    }

    private SimNode? CurrentLeader()
    {
        SimNode? leader = null;
        foreach (SimNode n in _nodes.Values)
        {
            if (n.Alive && n.Raft.State == StateRole.Leader && (leader is null || n.Raft.Term > leader.Raft.Term))
            {
                leader = n;
            }
        }

        return leader;
    }

    /// <summary>
    /// Proposes a random membership change that is valid for the leader's configuration (the one it will be applied
    /// to: a leader accepts a change only once every earlier one is applied, and refuses it otherwise).
    /// </summary>
    private void ProposeConfChange()
    {
        SimNode? leader = CurrentLeader();
        if (leader is null)
        {
            return;
        }

        ConfState cs = leader.Raft.Tracker.ConfState();
        ConfChangeV2? cc = null;
        if (cs.IsJoint)
        {
            // Explicit joint configurations wait for this; automatic ones are left by the leader itself, and an
            // extra leave is refused.
            if (!cs.AutoLeave || _rng.Next(4) == 0)
            {
                cc = ConfChangeV2.LeaveJointChange();
            }
        }
        else
        {
            var spares = new List<ulong>();
            foreach (SimNode n in _nodes.Values)
            {
                if (!n.Leaving && !cs.Contains(n.Id))
                {
                    spares.Add(n.Id);
                }
            }

            ulong spare = spares.Count > 0 ? spares[_rng.Next(spares.Count)] : 0;
            ulong voter = cs.Voters[_rng.Next(cs.Voters.Length)];
            ulong learner = cs.Learners.Length > 0 ? cs.Learners[_rng.Next(cs.Learners.Length)] : 0;
            bool canShrink = cs.Voters.Length >= 3;
            switch (_rng.Next(7))
            {
                case 0 when spare != 0:
                    cc = ConfChangeV2.Simple(ConfChangeType.AddNode, spare);
                    break;
                case 1 when spare != 0:
                    cc = ConfChangeV2.Simple(ConfChangeType.AddLearnerNode, spare);
                    break;
                case 2 when learner != 0:
                    cc = ConfChangeV2.Simple(ConfChangeType.AddNode, learner);
                    break;
                case 3 when canShrink:
                    cc = ConfChangeV2.Simple(ConfChangeType.RemoveNode, voter);
                    break;
                case 4 when learner != 0:
                    cc = ConfChangeV2.Simple(ConfChangeType.RemoveNode, learner);
                    break;
                case 5 when canShrink:
                    cc = ConfChangeV2.Simple(ConfChangeType.AddLearnerNode, voter);
                    break;
                case 6:
                    // Replace a voter through joint consensus (thesis §4.3): bring in a spare or a learner, and drop
                    // or demote the voter.
                    ulong incoming = learner != 0 && (spare == 0 || _rng.Next(2) == 0) ? learner : spare;
                    if (incoming == 0)
                    {
                        break;
                    }

                    ConfChangeType outgoing = _rng.Next(2) == 0 ? ConfChangeType.RemoveNode : ConfChangeType.AddLearnerNode;
                    var transition = (ConfChangeTransition)_rng.Next(3);
                    cc = new ConfChangeV2(transition, [new ConfChangeSingle(ConfChangeType.AddNode, incoming), new ConfChangeSingle(outgoing, voter)]);
                    break;
            }
        }

        if (cc is null)
        {
            return;
        }

        RaftResult r = leader.Node!.ProposeConfChange(cc);
        Trace($"{leader.Id} proposes conf change {Describe(cc)} on {cs}: {r}");
    }

    private static string Describe(ConfChangeV2 cc) =>
        cc.IsLeaveJoint ? "leave-joint" : $"{cc.Transition} [{string.Join(", ", cc.Changes.Select(c => $"{c.Type} {c.NodeId}"))}]";

    private void Crash(SimNode n)
    {
        if (!n.Alive)
        {
            return;
        }

        Trace($"crash {n.Id} (losing {n.Unpersisted.Count} unpersisted readies)");
        n.Node = null;
        n.Unpersisted.Clear();
    }

    private void Partition()
    {
        _partition.Clear();
        foreach (ulong id in _nodes.Keys)
        {
            _partition[id] = _rng.Next(2);
        }

        Trace("partition " + string.Join(" ", _partition.Select(kv => $"{kv.Key}:{kv.Value}")));
    }

    private bool Connected(ulong a, ulong b) =>
        !_partition.TryGetValue(a, out int pa) || !_partition.TryGetValue(b, out int pb) || pa == pb;

    private void Send(Message m)
    {
        bool dropped = _rng.NextDouble() < DropRate || !Connected(m.From, m.To);
        if (m.Type == MessageType.MsgSnapshot && _nodes[m.From].Alive)
        {
            // The transport reports the outcome of a snapshot transfer to the leader.
            Trace($"{m.From} sends snapshot {m.Snapshot!.Index} to {m.To} (dropped={dropped})");
            _nodes[m.From].Node!.ReportSnapshot(m.To, dropped ? SnapshotStatus.Failure : SnapshotStatus.Finish);
        }
        else if (dropped && m.Type == MessageType.MsgAppend && _nodes[m.From].Alive && _rng.Next(4) == 0)
        {
            _nodes[m.From].Node!.ReportUnreachable(m.To);
        }

        if (dropped)
        {
            return;
        }

        // The network holds copies, as a transport encodes a message when it sends it: the node reuses the Ready's
        // messages and entry memory once the Ready is released.
        _network.Add(new SimMessage(MessageCopy.Clone(m), _tick + _rng.Next(MaxDelay + 1)));
        if (_rng.NextDouble() < DuplicateRate)
        {
            _network.Add(new SimMessage(MessageCopy.Clone(m), _tick + _rng.Next(MaxDelay + 1)));
        }
    }

    private void DeliverOne()
    {
        // Any message that is due may be delivered next: this reorders.
        int due = 0;
        foreach (SimMessage sm in _network)
        {
            if (sm.DueTick <= _tick)
            {
                due++;
            }
        }

        if (due == 0)
        {
            return;
        }

        int pick = _rng.Next(due);
        for (int i = 0; i < _network.Count; i++)
        {
            if (_network[i].DueTick <= _tick && pick-- == 0)
            {
                Message m = _network[i].Message;
                _network.RemoveAt(i);
                Deliver(m);
                return;
            }
        }
    }

    private void Deliver(Message m)
    {
        if (!_nodes.TryGetValue(m.To, out SimNode? target) || !target.Alive || !Connected(m.From, m.To))
        {
            return;
        }

        // Deliver a copy: receivers may keep or rewrite messages, and duplicates must stay independent.
        if (s_traceMessages)
        {
            Trace($"deliver {m}");
        }

        target.Node!.Step(MessageCopy.Clone(m));
    }

    private void ProcessReady(SimNode n)
    {
        if (!n.Alive)
        {
            return;
        }

        RawNode node = n.Node!;
        while (node.HasReady())
        {
            Ready rd = node.Ready();
            foreach (Message m in rd.Messages)
            {
                Send(m);
            }

            if (rd.SoftState is { } ss)
            {
                Trace($"{n.Id} is {ss.RaftState} lead={ss.Lead} term={n.Raft.Term}");
            }

            foreach (ReadState rs in rd.ReadStates)
            {
                CheckReadState(n, rs);
            }

            Apply(n, rd.CommittedEntries);
            n.Unpersisted.Enqueue(rd);
        }
    }

    private void PersistOne(SimNode n)
    {
        if (!n.Alive || n.Unpersisted.Count == 0)
        {
            return;
        }

        Ready rd = n.Unpersisted.Dequeue();
        if (rd.Snapshot is not null)
        {
            n.Disk.ApplySnapshot(rd.Snapshot);
            RestoreStateMachine(n, rd.Snapshot);
        }

        n.Disk.Append(rd.Entries);
        if (rd.HardState is HardState hs)
        {
            n.Disk.SetHardState(hs);
        }

        foreach (Message m in rd.PersistedMessages)
        {
            Send(m);
        }

        n.Node!.OnPersistReady(rd.Number);
    }

    private void RestoreStateMachine(SimNode n, Snapshot snapshot)
    {
        if (BinaryPrimitives.ReadUInt64LittleEndian(snapshot.Data.Span) != snapshot.Index)
        {
            throw new SimulationException($"{Describe()}: node {n.Id} got snapshot data for another index than {snapshot.Index}");
        }

        SnapshotsInstalled++;
        n.Applied.Clear();
        n.SnapshotBase = snapshot.Index;
        n.ConfState = snapshot.ConfState;
    }

    private void Apply(SimNode n, EntrySlice entries)
    {
        if (entries.Length == 0)
        {
            return;
        }

        ulong confChangeIndex = 0;
        ConfState? confChangeState = null;
        foreach (Entry e in entries)
        {
            ulong expected = n.Applied.Count > 0 ? n.Applied[^1].Index + 1 : n.SnapshotBase + 1;
            if (e.Index != expected)
            {
                throw new SimulationException($"{Describe()}: node {n.Id} applied index {e.Index}, expected {expected}");
            }

            byte[] data = e.Data.ToArray();
            RecordCommitted(n, e.Index, e.Term, data);
            n.Applied.Add((e.Index, e.Term, data));
            if (e.Type == EntryType.EntryConfChangeV2)
            {
                ApplyConfChange(n, e);
                confChangeIndex = e.Index;
                confChangeState = n.ConfState;
            }
            else if (data.Length > 0)
            {
                ProposalsApplied++;
            }
        }

        n.Node!.AdvanceApplyTo(entries[^1].Index);
        if (confChangeIndex != 0)
        {
            SnapshotAt(n, confChangeIndex, confChangeState!);
        }
    }

    /// <summary>
    /// Snapshots and compacts at an applied configuration change, so that the snapshot a node added by it is sent
    /// carries a configuration that contains it (TiKV generates the snapshot it sends from the current state; here
    /// the state machine is just the index).
    /// </summary>
    private static void SnapshotAt(SimNode n, ulong index, ConfState confState)
    {
        if (index > n.Disk.FirstIndex() - 1 && index <= n.Disk.LastIndex())
        {
            n.Disk.CreateSnapshot(index, confState, IndexData(index));
            n.Disk.Compact(index);
        }
    }

    private void ApplyConfChange(SimNode n, Entry e)
    {
        ConfState before = n.ConfState;
        ConfChangeV2 cc = ConfChangeV2.Decode(e.Data.Span);
        n.ConfState = n.Node!.ApplyConfChange(cc);
        if (_confChangeIndices.Add(e.Index))
        {
            Trace($"{n.Id} applies conf change {Describe(cc)} at {e.Index}: {n.ConfState}");
            if (n.ConfState.IsJoint)
            {
                JointConfigs++;
            }
        }

        // A node removed by this change is destroyed, as a store destroys a removed peer, so that it cannot campaign
        // and disrupt the remaining members; but only once every remaining member knows durably that the change is
        // committed: until they apply it, the old configuration may still need the removed node's vote.
        foreach (SimNode other in _nodes.Values)
        {
            if (!other.Leaving && before.Contains(other.Id) && !n.ConfState.Contains(other.Id))
            {
                other.Leaving = true;
                _toDestroy.Add((other, e.Index, n.ConfState));
            }
        }
    }

    private void DestroyRemovedNodes()
    {
        for (int i = _toDestroy.Count - 1; i >= 0; i--)
        {
            (SimNode node, ulong index, ConfState members) = _toDestroy[i];
            bool known = true;
            foreach (SimNode m in _nodes.Values)
            {
                if (!m.Removed && members.Contains(m.Id) && m.Disk.HardState.Commit < index && m.Disk.FirstIndex() <= index)
                {
                    known = false;
                    break;
                }
            }

            if (known)
            {
                Trace($"destroy removed node {node.Id}");
                _toDestroy.RemoveAt(i);
                node.Removed = true;
                node.Node = null;
                node.Unpersisted.Clear();
                NodesRemoved++;
            }
        }
    }

    private void RecordCommitted(SimNode n, ulong index, ulong term, byte[] data)
    {
        if (_committed.TryGetValue(index, out (ulong Term, byte[] Data) known))
        {
            if (known.Term != term || !known.Data.AsSpan().SequenceEqual(data))
            {
                throw new SimulationException(
                    $"{Describe()}: committed entry {index} changed on node {n.Id}: was term {known.Term}, now term {term}\n{string.Join("\n", _trace.TakeLast(60))}");
            }
        }
        else
        {
            _committed[index] = (term, data);
            _maxCommitted = Math.Max(_maxCommitted, index);
        }
    }

    private void CheckInvariants(bool full)
    {
        foreach (SimNode n in _nodes.Values)
        {
            if (!n.Alive)
            {
                continue;
            }

            RaftCore r = n.Raft;
            if (r.State == StateRole.Leader)
            {
                // Election safety (Raft figure 3): at most one leader per term.
                if (_leaderOfTerm.TryGetValue(r.Term, out ulong other))
                {
                    if (other != n.Id)
                    {
                        throw new SimulationException($"{Describe()}: two leaders in term {r.Term}: {other} and {n.Id}");
                    }
                }
                else
                {
                    _leaderOfTerm[r.Term] = n.Id;

                    // Leader completeness (Raft §5.4): a new leader holds every committed entry.
                    CheckLogAgainstHistory(n, 1, _maxCommitted, "new leader");
                }
            }

            // State machine safety: the committed prefix of every log matches the cluster history.
            ulong from = full ? 1 : n.CheckedCommit + 1;
            CheckLogAgainstHistory(n, from, r.RaftLog.Committed, "committed");
            n.CheckedCommit = Math.Max(n.CheckedCommit, r.RaftLog.Committed);
        }
    }

    private void CheckLogAgainstHistory(SimNode n, ulong from, ulong to, string what)
    {
        RaftLog log = n.Raft.RaftLog;
        from = Math.Max(from, log.FirstIndex());
        to = Math.Min(to, log.LastIndex());
        if (from > to)
        {
            return;
        }

        var entries = new List<Entry>();
        if (log.Slice(from, to + 1, ulong.MaxValue, entries) != StorageStatus.Ok)
        {
            return;
        }

        foreach (Entry e in entries)
        {
            if (e.Index <= log.Committed)
            {
                RecordCommitted(n, e.Index, e.Term, e.Data.ToArray());
            }
            else if (_committed.TryGetValue(e.Index, out (ulong Term, byte[] Data) known) && known.Term != e.Term)
            {
                throw new SimulationException($"{Describe()}: {what} node {n.Id} has term {e.Term} at committed index {e.Index}, history says {known.Term}");
            }
        }
    }

    private void HealAndCheckLiveness()
    {
        Trace("final heal");
        _partition.Clear();
        DropRate = 0;
        DuplicateRate = 0;
        foreach (SimNode n in _nodes.Values)
        {
            if (!n.Alive && !n.Removed)
            {
                Start(n);
            }
        }

        // A healthy network must elect a leader and commit a new proposal on every member within a bound: a few
        // elections, plus the time to replicate the backlog a membership change can leave behind (a lagging learner
        // promoted to voter holds back the commit while proposals go on), at two small messages per round trip.
        ulong maxLast = 0;
        ulong minCommitted = ulong.MaxValue;
        foreach (SimNode n in _nodes.Values)
        {
            if (n.Alive && n.ConfState.Contains(n.Id))
            {
                maxLast = Math.Max(maxLast, n.Raft.RaftLog.LastIndex());
                minCommitted = Math.Min(minCommitted, n.Raft.RaftLog.Committed);
            }
        }

        ulong backlog = maxLast > minCommitted && minCommitted != ulong.MaxValue ? maxLast - minCommitted : 0;
        int bound = (ElectionTick * 30) + (int)Math.Min(backlog * (ulong)(MaxDelay + 1), 100_000);
        int marker = ++_nextProposal;
        ulong proposedTerm = 0;
        for (int t = 0; t < bound; t++)
        {
            SettleOneTick();
            SimNode? leader = CurrentLeader();

            // (Re)propose to each new leader: a deposed leader's uncommitted proposal may be lost.
            if (leader is not null && leader.Raft.Term != proposedTerm)
            {
                var data = new byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(data, marker);
                if (leader.Node!.Propose(data) == RaftResult.Ok)
                {
                    proposedTerm = leader.Raft.Term;
                }
            }

            if (leader is not null && MarkerAppliedByAllMembers(leader, marker))
            {
                return;
            }
        }

        throw new SimulationException($"{Describe()}: no leader committed a proposal within {bound} ticks of healing\n{string.Join("\n", _trace.TakeLast(s_traceMessages ? 400 : 40))}\n{DumpState()}");
    }

    /// <summary>Whether every member of the leader's configuration applied the marker (or restored a snapshot past
    /// it).</summary>
    private bool MarkerAppliedByAllMembers(SimNode leader, int marker)
    {
        ulong markerIndex = 0;
        foreach (KeyValuePair<ulong, (ulong Term, byte[] Data)> kv in _committed)
        {
            if (kv.Value.Data.Length == 8 && BinaryPrimitives.ReadInt64LittleEndian(kv.Value.Data) == marker)
            {
                markerIndex = kv.Key;
                break;
            }
        }

        if (markerIndex == 0)
        {
            return false;
        }

        ConfState members = leader.Raft.Tracker.ConfState();
        foreach (SimNode n in _nodes.Values)
        {
            if (!members.Contains(n.Id))
            {
                continue;
            }

            ulong applied = n.Applied.Count > 0 ? n.Applied[^1].Index : n.SnapshotBase;
            if (!n.Alive || applied < markerIndex)
            {
                return false;
            }
        }

        return true;
    }

    private string DumpState()
    {
        var sb = new System.Text.StringBuilder();
        foreach (SimNode n in _nodes.Values)
        {
            sb.Append(n.Alive ? n.Raft.ToString() : n.Removed ? $"{n.Id} removed" : $"{n.Id} down").Append(" applied=").Append(n.Applied.Count).Append(" unpersisted=").Append(n.Unpersisted.Count)
                .Append(n.Alive ? " conf: " + n.Raft.Tracker.Config : string.Empty).Append('\n');
            if (n.Alive && n.Raft.State == StateRole.Leader)
            {
                foreach (ulong id in n.Raft.Tracker.Progress.Ids)
                {
                    sb.Append("  ").Append(id).Append(": ").Append(n.Raft.Tracker.Progress.Get(id)).Append('\n');
                }
            }
        }

        sb.Append("network: ").Append(_network.Count).Append(" messages");
        return sb.ToString();
    }

    private void SettleOneTick()
    {
        for (int round = 0; round < 50; round++)
        {
            bool progress = false;
            foreach (SimNode n in _nodes.Values)
            {
                ProcessReady(n);
                while (n.Unpersisted.Count > 0)
                {
                    PersistOne(n);
                    progress = true;
                }

                ProcessReady(n);
            }

            for (int i = _network.Count - 1; i >= 0; i--)
            {
                if (_network[i].DueTick <= _tick)
                {
                    Message m = _network[i].Message;
                    _network.RemoveAt(i);
                    Deliver(m);
                    progress = true;
                }
            }

            DestroyRemovedNodes();
            CheckInvariants(full: false);
            if (!progress)
            {
                break;
            }
        }

        TickAll();
    }
}
