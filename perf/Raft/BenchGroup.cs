using ManagedKv.Raft;

namespace ManagedKv.Perf.Raft;

/// <summary>
/// A 3-node Raft group whose messages are delivered in-process: a node's Ready messages are stepped into their
/// target at once, its storage writes are applied to a <see cref="MemoryRaftStorage"/> and acknowledged at once.
/// Node 1 is elected leader at construction. Single-threaded.
/// </summary>
internal sealed class BenchGroup
{
    private readonly BenchNode[] _nodes;

    public BenchGroup()
    {
        var conf = new ConfState(1, 2, 3);
        _nodes = [new BenchNode(1, conf), new BenchNode(2, conf), new BenchNode(3, conf)];
        _nodes[0].Node.Campaign();
        for (int i = 0; i < 100 && Pump(); i++)
        {
        }

        if (_nodes[0].Node.Status().SoftState.RaftState != StateRole.Leader)
        {
            throw new InvalidOperationException("node 1 did not become leader");
        }
    }

    public RawNode Leader => _nodes[0].Node;

    /// <summary>Proposals applied by the leader.</summary>
    public long Applied => _nodes[0].AppliedProposals;

    /// <summary>Handles every node's pending Ready once: send, persist, send the persisted messages, apply,
    /// advance. Returns whether any node had work.</summary>
    public bool Pump()
    {
        bool any = false;
        foreach (BenchNode n in _nodes)
        {
            RawNode node = n.Node;
            while (node.HasReady())
            {
                any = true;
                Ready rd = node.Ready();
                Deliver(rd.Messages);
                n.PersistAndApply(rd);
                Deliver(rd.PersistedMessages);
                node.Advance(rd);
            }
        }

        return any;
    }

    private void Deliver(List<Message> messages)
    {
        foreach (Message m in messages)
        {
            _nodes[(int)m.To - 1].Node.Step(m);
        }
    }
}
