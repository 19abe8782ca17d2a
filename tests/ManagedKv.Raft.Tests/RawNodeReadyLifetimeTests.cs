using System.Buffers.Binary;

namespace ManagedKv.Raft.Tests;

/// <summary>
/// A Ready's entry slices and messages are views of pooled memory: they must not change until the Ready is released
/// (persisted and applied), however the application interleaves proposals, deliveries, persistence and applying.
/// Randomized against a copy taken when each Ready is handed out; a failure prints the seed.
/// </summary>
public sealed class RawNodeReadyLifetimeTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void ReadyContentsStayIntactUntilReleased(int seed)
    {
        var rng = new Random(seed);
        var nodes = new RawNode[3];
        var storages = new MemoryRaftStorage[3];
        var pending = new Queue<(Ready Ready, ReadyCopy Copy)>[3];
        var network = new List<Message>();
        for (int i = 0; i < 3; i++)
        {
            storages[i] = new MemoryRaftStorage(new ConfState(1, 2, 3));
            nodes[i] = new RawNode(new RaftConfig { Id = (ulong)i + 1, MaxSizePerMsg = (ulong)(rng.Next(2) == 0 ? 100 : 1 << 20), MaxInflightMsgs = 1 + rng.Next(4) }, storages[i]);
            pending[i] = new Queue<(Ready, ReadyCopy)>();
        }

        nodes[0].Campaign();
        int next = 0;
        long applied = 0;
        for (int step = 0; step < 5000; step++)
        {
            int n = rng.Next(3);
            switch (rng.Next(10))
            {
                case 0 or 1:
                {
                    int count = 1 + rng.Next(6);
                    var payloads = new ReadOnlyMemory<byte>[count];
                    for (int k = 0; k < count; k++)
                    {
                        var data = new byte[8];
                        BinaryPrimitives.WriteInt64LittleEndian(data, ++next);
                        payloads[k] = data;
                    }

                    nodes[n].ProposeBatch(payloads);
                    break;
                }

                case 2 or 3:
                    // Take a Ready and keep it outstanding.
                    if (nodes[n].HasReady())
                    {
                        Ready rd = nodes[n].Ready();
                        pending[n].Enqueue((rd, new ReadyCopy(rd)));
                    }

                    break;
                case 4 or 5 or 6:
                    // Send, persist and apply the oldest outstanding Ready, checking it is unchanged, then release it.
                    if (pending[n].Count > 0)
                    {
                        (Ready rd, ReadyCopy copy) = pending[n].Dequeue();
                        copy.AssertSame(rd, seed, step);
                        foreach (Message m in rd.Messages)
                        {
                            network.Add(MessageCopy.Clone(m));
                        }

                        storages[n].Append(rd.Entries);
                        if (rd.HardState is HardState hs)
                        {
                            storages[n].SetHardState(hs);
                        }

                        foreach (Message m in rd.PersistedMessages)
                        {
                            network.Add(MessageCopy.Clone(m));
                        }

                        applied += rd.CommittedEntries.Length;
                        nodes[n].Advance(rd);
                    }

                    break;
                case 7 or 8:
                    for (int k = 0; k < 4 && network.Count > 0; k++)
                    {
                        int at = rng.Next(network.Count);
                        Message m = network[at];
                        network.RemoveAt(at);
                        nodes[(int)m.To - 1].Step(m);
                    }

                    break;
                default:
                    nodes[n].Tick();
                    break;
            }
        }

        Assert.True(applied > 100, $"seed {seed}: only {applied} entries applied");
    }

    /// <summary>A deep copy of what a Ready handed out.</summary>
    private sealed class ReadyCopy
    {
        private readonly ulong _number;
        private readonly Entry[] _entries;
        private readonly Entry[] _committed;
        private readonly string[] _messages;
        private readonly string[] _persistedMessages;

        public ReadyCopy(Ready rd)
        {
            _number = rd.Number;
            _entries = rd.Entries.ToArray();
            _committed = rd.CommittedEntries.ToArray();
            _messages = [.. rd.Messages.Select(Describe)];
            _persistedMessages = [.. rd.PersistedMessages.Select(Describe)];
        }

        public void AssertSame(Ready rd, int seed, int step)
        {
            string where = $"seed {seed} step {step} ready {_number}";
            Assert.True(_number == rd.Number, where);
            Assert.True(_entries.AsSpan().SequenceEqual(rd.Entries.Span), $"{where}: entries changed");
            Assert.True(_committed.AsSpan().SequenceEqual(rd.CommittedEntries.Span), $"{where}: committed entries changed");
            Assert.True(_messages.AsSpan().SequenceEqual([.. rd.Messages.Select(Describe)]), $"{where}: messages changed");
            Assert.True(_persistedMessages.AsSpan().SequenceEqual([.. rd.PersistedMessages.Select(Describe)]), $"{where}: persisted messages changed");
        }

        private static string Describe(Message m) =>
            m + " " + string.Join(",", m.Entries.Select(e => $"{e.Term}/{e.Index}/{(e.Data.Length == 8 ? BinaryPrimitives.ReadInt64LittleEndian(e.Data.Span) : -1)}"));
    }
}
