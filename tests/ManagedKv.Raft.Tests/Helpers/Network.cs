namespace ManagedKv.Raft.Tests;

/// <summary>
/// etcd's test network: peers exchange messages synchronously until quiet. Links can be cut, peers isolated,
/// message types ignored. Deterministic.
/// </summary>
internal sealed class Network
{
    private readonly HashSet<(ulong From, ulong To)> _cut = [];
    private readonly HashSet<MessageType> _ignored = [];

    public Network(params TestPeer?[] peers)
        : this(null, peers)
    {
    }

    /// <summary>A network of <paramref name="count"/> default peers, configured by <paramref name="configure"/>.</summary>
    public static Network Create(int count, Action<RaftConfig>? configure = null) => new(configure, new TestPeer?[count]);

    private Network(Action<RaftConfig>? configure, TestPeer?[] peers)
    {
        ulong[] ids = new ulong[peers.Length];
        for (int i = 0; i < peers.Length; i++)
        {
            ids[i] = (ulong)i + 1;
        }

        for (int i = 0; i < peers.Length; i++)
        {
            ulong id = ids[i];
            Peers[id] = peers[i] ?? TestPeer.Create(id, ids, configure: configure);
        }
    }

    public SortedDictionary<ulong, TestPeer> Peers { get; } = new();

    public RaftCore this[ulong id] => Peers[id].Raft;

    public void Send(params Message[] msgs)
    {
        var queue = new Queue<Message>(msgs);
        while (queue.Count > 0)
        {
            Message m = queue.Dequeue();
            if (!Peers.TryGetValue(m.To, out TestPeer? p) || _cut.Contains((m.From, m.To)) || _ignored.Contains(m.Type))
            {
                continue;
            }

            p.Step(m);
            foreach (Message out_ in p.ReadMessages())
            {
                queue.Enqueue(out_);
            }
        }
    }

    /// <summary>Ticks a peer <paramref name="ticks"/> times, delivering what it sends after each tick.</summary>
    public void Tick(ulong id, int ticks = 1)
    {
        for (int i = 0; i < ticks; i++)
        {
            Peers[id].Raft.Tick();
            Send(Peers[id].ReadMessages().ToArray());
        }
    }

    /// <summary>Steps a local message into a peer (bypassing the filters) and delivers what it sends.</summary>
    public void StepLocal(ulong id, Message m)
    {
        Peers[id].Step(m);
        Send(Peers[id].ReadMessages().ToArray());
    }

    public void Cut(ulong a, ulong b)
    {
        _cut.Add((a, b));
        _cut.Add((b, a));
    }

    public void Isolate(ulong id)
    {
        foreach (ulong other in Peers.Keys)
        {
            if (other != id)
            {
                Cut(id, other);
            }
        }
    }

    public void Ignore(MessageType t) => _ignored.Add(t);

    public void Recover()
    {
        _cut.Clear();
        _ignored.Clear();
    }

    public static Message Hup(ulong id) => new() { From = id, To = id, Type = MessageType.MsgHup };

    public static Message Beat(ulong id) => new() { From = id, To = id, Type = MessageType.MsgBeat };

    public static Message Prop(ulong id, string data = "somedata") =>
        new() { From = id, To = id, Type = MessageType.MsgPropose, Entries = [new Entry(0, 0, EntryType.EntryNormal, System.Text.Encoding.UTF8.GetBytes(data))] };
}
