namespace ManagedKv.Raft.Tests;

/// <summary>The wire codec (src/Raft/FORMAT.md): round trips, golden bytes, corruption detection.</summary>
public sealed class MessageCodecTests
{
    private static Message GoldenAppend() => new()
    {
        Type = MessageType.MsgAppend, To = 2, From = 1, Term = 3, LogTerm = 2, Index = 5, Commit = 4,
        Entries = [new Entry(3, 6, EntryType.EntryNormal, "ab"u8.ToArray())],
    };

    private static Message GoldenHeartbeatResponse() => new()
    {
        Type = MessageType.MsgHeartbeatResponse, To = 1, From = 2, Term = 3, Context = "c"u8.ToArray(),
    };

    private static void AssertSame(Message a, Message b)
    {
        Assert.Equal(a.ToString(), b.ToString());
        Assert.Equal(a.Entries, b.Entries);
        Assert.Equal(a.Context.ToArray(), b.Context.ToArray());
        Assert.Equal(a.Snapshot is null, b.Snapshot is null);
        if (a.Snapshot is not null)
        {
            Assert.Equal(a.Snapshot.Index, b.Snapshot!.Index);
            Assert.Equal(a.Snapshot.Term, b.Snapshot.Term);
            Assert.Equal(a.Snapshot.ConfState, b.Snapshot.ConfState);
            Assert.Equal(a.Snapshot.Data.ToArray(), b.Snapshot.Data.ToArray());
        }
    }

    [Fact]
    public void GoldenBatchBytesVersion1()
    {
        var writer = new MessageBatchWriter();
        writer.Add(7, GoldenAppend());
        writer.Add(300, GoldenHeartbeatResponse());
        string hex = Convert.ToHexString(writer.WrittenMemory.Span);

        // version 01 | count 02000000 |
        // group 07, length 11, MsgAppend: 03 flags 08 to 02 from 01 term 03 logTerm 02 index 05 commit 04 hint 00,
        //   count 01, entry: type 00 term 03 index 06 data 02 6162 context 00 |
        // group 300 = AC02, length 0B, MsgHeartbeatResponse: 09 flags 04 to 01 from 02 term 03 00 00 00 00,
        //   context 01 63 |
        // crc32c (little-endian) of everything before.
        const string expected = "0102000000" + "0711" + "030802010302050400" + "0100030602616200"
            + "AC020B" + "090401020300000000" + "0163";
        Assert.True(hex.StartsWith(expected, StringComparison.Ordinal), hex);
        Assert.Equal(expected.Length + 8, hex.Length);
        Assert.Equal("C1815269", hex[expected.Length..]);

        var output = new List<(ulong, Message)>();
        MessageBatchReader.Read(writer.WrittenMemory, output);
        Assert.Equal(2, output.Count);
        Assert.Equal(7UL, output[0].Item1);
        AssertSame(GoldenAppend(), output[0].Item2);
        Assert.Equal(300UL, output[1].Item1);
        AssertSame(GoldenHeartbeatResponse(), output[1].Item2);
    }

    [Fact]
    public void RandomMessagesRoundTrip()
    {
        for (int seed = 0; seed < 200; seed++)
        {
            var rng = new Random(seed);
            var writer = new MessageBatchWriter(16);
            var expected = new List<(ulong, Message)>();
            int count = rng.Next(0, 20);
            for (int i = 0; i < count; i++)
            {
                Message m = RandomMessage(rng);
                ulong group = (ulong)rng.NextInt64();
                writer.Add(group, m);
                expected.Add((group, m));
            }

            var output = new List<(ulong, Message)>();
            MessageBatchReader.Read(writer.WrittenMemory, output);
            Assert.True(expected.Count == output.Count, $"seed {seed}");
            for (int i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].Item1, output[i].Item1);
                AssertSame(expected[i].Item2, output[i].Item2);
            }

            // The writer is reusable.
            writer.Reset();
            Assert.Equal(0, writer.Count);
        }
    }

    private static Message RandomMessage(Random rng)
    {
        ulong R() => rng.Next(3) switch { 0 => 0, 1 => (ulong)rng.Next(300), _ => (ulong)rng.NextInt64() };
        byte[] Bytes() => Enumerable.Range(0, rng.Next(0, 40)).Select(_ => (byte)rng.Next(256)).ToArray();
        var m = new Message
        {
            Type = (MessageType)rng.Next(0, 19), To = R(), From = R(), Term = R(), LogTerm = R(), Index = R(),
            Commit = R(), RejectHint = R(), Reject = rng.Next(2) == 0, Context = rng.Next(2) == 0 ? Bytes() : default,
        };
        if (rng.Next(2) == 0)
        {
            m.Entries = Enumerable.Range(0, rng.Next(1, 5))
                .Select(_ => new Entry(R(), R(), rng.Next(2) == 0 ? EntryType.EntryNormal : EntryType.EntryConfChangeV2, Bytes(), rng.Next(3) == 0 ? Bytes() : default))
                .ToArray();
        }

        if (rng.Next(4) == 0)
        {
            m.Snapshot = new Snapshot(R(), R(), new ConfState([1, R()], [R()], rng.Next(2) == 0 ? [2, 3] : [], [], rng.Next(2) == 0), Bytes());
        }

        return m;
    }

    [Fact]
    public void EveryFlippedBitIsDetected()
    {
        var writer = new MessageBatchWriter();
        writer.Add(7, GoldenAppend());
        writer.Add(300, GoldenHeartbeatResponse());
        byte[] frame = writer.WrittenMemory.ToArray();
        for (int i = 0; i < frame.Length * 8; i++)
        {
            byte[] copy = (byte[])frame.Clone();
            copy[i / 8] ^= (byte)(1 << (i % 8));
            var output = new List<(ulong, Message)>();
            Assert.Throws<CorruptMessageException>(() => MessageBatchReader.Read(copy, output));
            Assert.Empty(output);
        }
    }

    [Fact]
    public void TruncatedAndUnknownVersionFramesAreRejected()
    {
        var writer = new MessageBatchWriter();
        writer.Add(1, GoldenAppend());
        byte[] frame = writer.WrittenMemory.ToArray();
        var output = new List<(ulong, Message)>();
        for (int length = 0; length < frame.Length; length++)
        {
            Assert.Throws<CorruptMessageException>(() => MessageBatchReader.Read(frame.AsMemory(0, length), output));
        }

        frame[0] = 2;
        CorruptMessageException e = Assert.Throws<CorruptMessageException>(() => MessageBatchReader.Read(frame, output));
        Assert.Contains("version", e.Message);
        Assert.Empty(output);
    }

    [Fact]
    public void DecodedPayloadsAreSlicesOfTheFrame()
    {
        var writer = new MessageBatchWriter();
        writer.Add(1, GoldenAppend());
        ReadOnlyMemory<byte> frame = writer.WrittenMemory;
        var output = new List<(ulong, Message)>();
        MessageBatchReader.Read(frame, output);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(frame, out ArraySegment<byte> f));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(output[0].Item2.Entries[0].Data, out ArraySegment<byte> d));
        Assert.Same(f.Array, d.Array);
    }
}
