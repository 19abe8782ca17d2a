using ManagedKv.Node.Store;
using ManagedKv.Raft;
using ManagedKv.RaftEngine;
using EntryType = ManagedKv.Raft.EntryType;

namespace ManagedKv.Node.Tests.Store;

public sealed class StoreWriterTests
{
    /// <summary>Holds the writer thread inside the first callback until released, so later tasks pile up.</summary>
    private sealed class GateCallback : IWriteTaskCallback
    {
        private readonly ManualResetEventSlim _entered = new();
        private readonly ManualResetEventSlim _release = new();

        public List<WriteTask> Done { get; } = [];

        public void OnWriteTaskDone(WriteTask task)
        {
            lock (Done)
            {
                Done.Add(task);
                Monitor.PulseAll(Done);
            }

            if (!_entered.IsSet)
            {
                _entered.Set();
                Assert.True(_release.Wait(TimeSpan.FromSeconds(30)));
            }
        }

        public void WaitEntered() => Assert.True(_entered.Wait(TimeSpan.FromSeconds(30)));

        public void Release() => _release.Set();

        public void WaitCount(int count)
        {
            lock (Done)
            {
                while (Done.Count < count)
                {
                    Assert.True(Monitor.Wait(Done, TimeSpan.FromSeconds(30)), $"{Done.Count} of {count} tasks came back");
                }
            }
        }
    }

    private static Entry[] Entries(ulong first, int count, ulong term, int size)
    {
        var entries = new Entry[count];
        for (int i = 0; i < count; i++)
        {
            byte[] data = new byte[size];
            data.AsSpan().Fill((byte)(first + (ulong)i));
            entries[i] = new Entry(term, first + (ulong)i, EntryType.EntryNormal, data);
        }

        return entries;
    }

    private static WriteTask Task(ulong region, IWriteTaskCallback callback, ulong ready, Entry[] entries)
    {
        var task = new WriteTask(region, callback)
        {
            ReadyNumber = ready,
            Entries = entries,
            HasRaftState = true,
            RaftState = new RaftLocalState(new HardState(entries[^1].Term, 0, 0), entries[^1].Index),
        };
        return task;
    }

    [Fact]
    public void OneSyncedWriteServesManyRegionsAndEachTaskIsReportedOnceInOrder()
    {
        using var dir = new TempDir();
        using RaftLogEngine engine = RaftLogEngine.Open(dir.Path, TestEngines.RaftOptions());
        var gate = new GateCallback();
        using (var writer = new StoreWriter(engine, new StoreWriterOptions { Sync = true }))
        {
            writer.Submit(Task(1000, gate, 1, Entries(1, 1, 1, 10)));
            gate.WaitEntered();

            // 50 regions x 3 tasks each queue up while the writer thread is held.
            var submitted = new List<WriteTask>();
            for (ulong ready = 1; ready <= 3; ready++)
            {
                for (ulong region = 1; region <= 50; region++)
                {
                    WriteTask t = Task(region, gate, ready, Entries(((ready - 1) * 4) + 1, 4, ready, 100));
                    submitted.Add(t);
                    writer.Submit(t);
                }
            }

            Assert.Equal(150, writer.QueuedTasks);
            Assert.True(writer.QueuedBytes > 150 * 4 * 100);
            gate.Release();
            gate.WaitCount(151);
            Assert.Equal(2, writer.WriteCount); // the first task's write, then one write (one fsync) for all 150
            Assert.Equal(50, writer.MaxRegionsPerWrite);
            Assert.Equal(150, writer.MaxTasksPerWrite);
            Assert.Equal(151, writer.TaskCount);
            Assert.Equal(0, writer.QueuedTasks);
            Assert.Equal(0, writer.QueuedBytes);

            // Each task exactly once, and per region in submission (Ready) order.
            Assert.Equal(151, gate.Done.Distinct().Count());
            for (ulong region = 1; region <= 50; region++)
            {
                ulong last = 0;
                foreach (WriteTask t in gate.Done)
                {
                    if (t.RegionId == region)
                    {
                        Assert.Null(t.Error);
                        Assert.Equal(last + 1, t.ReadyNumber);
                        last = t.ReadyNumber;
                    }
                }

                Assert.Equal(3UL, last);
            }
        }

        // What was written reads back: 12 entries per region and the RaftLocalState.
        for (ulong region = 1; region <= 50; region++)
        {
            Assert.Equal(1UL, engine.FirstIndex(region));
            Assert.Equal(12UL, engine.LastIndex(region));
            var raw = new List<byte[]>();
            engine.FetchEntries(region, 1, 13, long.MaxValue, raw);
            for (int i = 0; i < raw.Count; i++)
            {
                Entry e = RaftEntryCodec.Decode(region, (ulong)i + 1, raw[i]);
                Assert.Equal((ulong)(i / 4) + 1, e.Term);
                Assert.Equal(100, e.Data.Length);
                Assert.Equal((byte)(i + 1), e.Data.Span[99]);
            }

            RaftLocalState state = StateCodec.DecodeRaftLocalState(region, engine.GetState(region, "R"u8)!);
            Assert.Equal(new RaftLocalState(new HardState(3, 0, 0), 12), state);
        }
    }

    [Fact]
    public void WritesSplitAtTheByteLimitAndTruncateConflictingSuffixes()
    {
        using var dir = new TempDir();
        using RaftLogEngine engine = RaftLogEngine.Open(dir.Path, TestEngines.RaftOptions());
        var gate = new GateCallback();
        using (var writer = new StoreWriter(engine, new StoreWriterOptions { MaxBatchBytes = 10_000, Sync = false }))
        {
            writer.Submit(Task(99, gate, 1, Entries(1, 1, 1, 10)));
            gate.WaitEntered();
            for (ulong region = 1; region <= 10; region++)
            {
                writer.Submit(Task(region, gate, 1, Entries(1, 10, 1, 1000))); // ~10 KB each
            }

            // Region 1 then overwrites its suffix from index 6 with a shorter log at a newer term.
            writer.Submit(Task(1, gate, 2, Entries(6, 2, 2, 1000)));
            gate.Release();
            gate.WaitCount(12);
            Assert.True(writer.WriteCount >= 11, $"{writer.WriteCount} writes");
            Assert.Equal(1, writer.MaxRegionsPerWrite);
        }

        Assert.Equal(7UL, engine.LastIndex(1));
        Assert.Equal(2UL, RaftEntryCodec.DecodeTerm(1, 7, engine.GetEntry(1, 7)));
        Assert.Equal(1UL, RaftEntryCodec.DecodeTerm(1, 5, engine.GetEntry(1, 5)));
        Assert.Equal(10UL, engine.LastIndex(2));
    }

    [Fact]
    public void FailedWriteIsStickyAndReportedOnEveryLaterTask()
    {
        using var dir = new TempDir();
        RaftLogEngine engine = RaftLogEngine.Open(dir.Path, TestEngines.RaftOptions());
        var collector = new TaskCollector();
        using var writer = new StoreWriter(engine);
        writer.Submit(Task(1, collector, 1, Entries(1, 2, 1, 10)));
        Assert.Null(collector.Take().Error);
        engine.Dispose();
        writer.Submit(Task(1, collector, 2, Entries(3, 2, 1, 10)));
        Assert.IsType<ObjectDisposedException>(collector.Take().Error);
        var onlyState = new WriteTask(2, collector) { ReadyNumber = 1, CompactTo = 3 };
        writer.Submit(onlyState);
        Assert.IsType<ObjectDisposedException>(collector.Take().Error);
        Assert.Equal(3, writer.TaskCount);
    }

    [Fact]
    public void DisposeWritesQueuedTasksThenRefusesNewOnes()
    {
        using var dir = new TempDir();
        using RaftLogEngine engine = RaftLogEngine.Open(dir.Path, TestEngines.RaftOptions());
        var gate = new GateCallback();
        var writer = new StoreWriter(engine, new StoreWriterOptions { Workers = 2, QueueCapacity = 4 });
        writer.Submit(Task(2, gate, 1, Entries(1, 1, 1, 10)));
        gate.WaitEntered();
        for (ulong region = 3; region <= 9; region += 2)
        {
            writer.Submit(Task(region, gate, 1, Entries(1, 1, 1, 10))); // worker 1: not held by the gate
        }

        gate.Release();
        writer.Dispose();
        Assert.Equal(5, gate.Done.Count);
        Assert.Equal(1UL, engine.LastIndex(9));
        Assert.Throws<ObjectDisposedException>(() => writer.Submit(Task(1, gate, 2, Entries(2, 1, 1, 10))));
    }
}
