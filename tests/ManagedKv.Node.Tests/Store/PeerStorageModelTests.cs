using ManagedKv.Lsm;
using ManagedKv.Node.Store;
using ManagedKv.Raft;
using Xunit.Abstractions;
using EntryType = ManagedKv.Raft.EntryType;

namespace ManagedKv.Node.Tests.Store;

/// <summary>PeerStorage against MemoryRaftStorage as a model under random appends, overwrites, applies,
/// compactions and reopens.</summary>
public sealed class PeerStorageModelTests(ITestOutputHelper output)
{
    private const ulong RegionId = 7;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void MatchesMemoryStorageUnderRandomOperations(int seedBase)
    {
        int seed = Environment.GetEnvironmentVariable("MANAGEDKV_SEED") is string s ? int.Parse(s) : seedBase * 7919 + Environment.TickCount % 1000;
        output.WriteLine($"seed {seed}");
        int steps = Environment.GetEnvironmentVariable("MANAGEDKV_SOAK") == "1" ? 3000 : 300;
        try
        {
            Run(seed, steps);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"seed {seed}: {e.Message}", e);
        }
    }

    private static void Run(int seed, int steps)
    {
        var rng = new Random(seed);
        using var dir = new TempDir();
        StoreEngines engines = TestEngines.Open(dir.Path, targetFileSize: 64 << 10);
        PeerStorage.BootstrapRegion(engines, TestEngines.NewRegion(RegionId, [], [], [1, 2, 3]));
        var collector = new TaskCollector();
        var writer = new StoreWriter(engines.RaftEngine, new StoreWriterOptions { Sync = false });
        PeerStorage storage = PeerStorage.Open(engines, RegionId);
        var model = new MemoryRaftStorage();
        model.ApplySnapshot(new Raft.Snapshot(5, 5, PeerStorage.ConfStateFromRegion(storage.Region), default));
        model.SetHardState(storage.RaftState.HardState);
        ulong term = 5;
        ulong readyNumber = 0;
        try
        {
            for (int step = 0; step < steps; step++)
            {
                int op = rng.Next(100);
                if (op < 55)
                {
                    // Append at a random point at or after the first index: a plain append or an overwrite.
                    ulong first = storage.FirstIndex();
                    ulong last = storage.LastIndex();
                    ulong at = rng.Next(4) == 0 ? first + (ulong)rng.NextInt64((long)(last - first + 2)) : last + 1;
                    // Raft never overwrites committed entries (Raft §5.3, Log Matching).
                    at = Math.Max(at, model.HardState.Commit + 1);
                    term += (ulong)rng.Next(2);
                    var entries = new Entry[rng.Next(1, 12)];
                    for (int i = 0; i < entries.Length; i++)
                    {
                        byte[] data = new byte[rng.Next(0, 300)];
                        rng.NextBytes(data);
                        byte[] context = rng.Next(8) == 0 ? [(byte)i] : [];
                        entries[i] = new Entry(term, at + (ulong)i, rng.Next(10) == 0 ? EntryType.EntryConfChangeV2 : EntryType.EntryNormal, data, context);
                    }

                    HardState hs = model.HardState;
                    ulong newLast = at + (ulong)entries.Length - 1;
                    var newHs = new HardState(term, hs.Vote, Math.Max(hs.Commit, Math.Min(newLast, hs.Commit + (ulong)rng.Next(0, 6))));
                    var task = new WriteTask(RegionId, collector);
                    Assert.True(storage.PrepareWrite(++readyNumber, entries, newHs, task));
                    writer.Submit(task);
                    WriteTask done = collector.Take();
                    Assert.Same(task, done);
                    Assert.Null(done.Error);
                    storage.OnWritten(done);
                    model.Append(entries);
                    model.SetHardState(newHs);
                }
                else if (op < 75)
                {
                    // Apply up to a random index at or below commit.
                    RaftApplyState apply = storage.ApplyState;
                    ulong commit = storage.RaftState.HardState.Commit;
                    if (commit > apply.AppliedIndex)
                    {
                        ulong to = apply.AppliedIndex + 1 + (ulong)rng.NextInt64((long)(commit - apply.AppliedIndex));
                        Assert.Equal(StorageStatus.Ok, storage.Term(to, out ulong toTerm));
                        var batch = new WriteBatch();
                        RaftApplyState next = apply with { AppliedIndex = to, CommitIndex = to, CommitTerm = toTerm };
                        storage.PutApplyState(batch, next);
                        engines.KvDb.Write(batch);
                        storage.OnApplyStateWritten(next);
                    }
                }
                else if (op < 90)
                {
                    // Compact at a random index in (truncated, applied].
                    RaftApplyState apply = storage.ApplyState;
                    if (apply.AppliedIndex > apply.TruncatedIndex)
                    {
                        ulong to = apply.TruncatedIndex + 1 + (ulong)rng.NextInt64((long)(apply.AppliedIndex - apply.TruncatedIndex));
                        Assert.True(storage.TryTruncatedState(to, out RaftApplyState truncated));
                        var batch = new WriteBatch();
                        storage.PutApplyState(batch, truncated);
                        engines.KvDb.Write(batch, new WriteOptions { Sync = true });
                        storage.OnApplyStateWritten(truncated);
                        if (rng.Next(3) > 0)
                        {
                            var task = new WriteTask(RegionId, collector);
                            storage.PrepareCompaction(task);
                            writer.Submit(task);
                            storage.OnWritten(collector.Take());
                        }

                        model.Compact(to);
                    }
                }
                else if (op < 95)
                {
                    // Restart: everything durable comes back, including a compaction that was not written yet.
                    writer.Dispose();
                    engines.Dispose();
                    engines = TestEngines.Open(dir.Path, targetFileSize: 64 << 10);
                    writer = new StoreWriter(engines.RaftEngine, new StoreWriterOptions { Sync = false });
                    storage = PeerStorage.Open(engines, RegionId);
                    Assert.Equal(model.HardState, storage.RaftState.HardState);
                    if (storage.PendingCompactTo != 0)
                    {
                        var task = new WriteTask(RegionId, collector);
                        storage.PrepareCompaction(task);
                        writer.Submit(task);
                        storage.OnWritten(collector.Take());
                        Assert.Equal(0UL, storage.PendingCompactTo);
                    }
                }
                else
                {
                    engines.RaftEngine.PurgeExpiredFiles();
                }

                Check(storage, model, rng);
            }
        }
        finally
        {
            writer.Dispose();
            engines.Dispose();
        }
    }

    private static void Check(PeerStorage storage, MemoryRaftStorage model, Random rng)
    {
        ulong first = model.FirstIndex();
        ulong last = model.LastIndex();
        Assert.Equal(first, storage.FirstIndex());
        Assert.Equal(last, storage.LastIndex());
        Assert.Equal(model.InitialState().ConfState, storage.InitialState().ConfState);
        for (ulong i = first - 1; i <= last + 1; i++)
        {
            StorageStatus want = model.Term(i, out ulong wantTerm);
            Assert.Equal(want, storage.Term(i, out ulong gotTerm));
            Assert.Equal(wantTerm, gotTerm);
        }

        Assert.Equal(StorageStatus.Compacted, storage.Term(first - 2, out _));
        for (int probe = 0; probe < 4; probe++)
        {
            ulong lo = first - 1 + (ulong)rng.NextInt64((long)(last - first + 3));
            ulong hi = lo + (ulong)rng.Next(0, 30);
            ulong maxSize = rng.Next(3) == 0 ? ulong.MaxValue : (ulong)rng.Next(0, 3000);
            var want = new List<Entry>();
            var got = new List<Entry>();
            Assert.Equal(model.Entries(lo, hi, maxSize, want), storage.Entries(lo, hi, maxSize, got));
            Assert.Equal(want, got);
        }

        Assert.Null(storage.Snapshot());
    }
}
