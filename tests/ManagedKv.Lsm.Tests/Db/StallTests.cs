namespace ManagedKv.Lsm.Tests.Db;

/// <summary>Writes slow down and then stop (not fail, not grow memory) when flushes or compactions fall behind.</summary>
public sealed class StallTests
{
    private sealed class StallRecorder : IEventListener
    {
        public readonly List<WriteStallCondition> Conditions = new();

        public void OnStallConditionsChanged(WriteStallInfo info)
        {
            lock (Conditions)
            {
                Conditions.Add(info.Condition);
            }
        }
    }

    [Fact]
    public void WritesStopWhenMemtablesPileUpAndResumeAfterFlush()
    {
        using var dir = new TempDir();
        var recorder = new StallRecorder();
        DbOptions o = TestOptions.Small();
        o.DefaultColumnFamilyOptions.MaxWriteBufferNumber = 2;
        o.Listeners.Add(recorder);
        using LsmDb db = LsmDb.Open(dir.Path, o);
        db.PauseBackgroundWork();
        var value = new byte[1000];
        int written = 0;
        var writer = new Thread(() =>
        {
            for (int i = 0; i < 400; i++)
            {
                db.Put(BitConverter.GetBytes(i), value);
                Interlocked.Increment(ref written);
            }
        });
        writer.Start();
        // 64 KiB buffers, 2 memtables: the writer must stop after roughly 2 × 64 writes.
        Assert.False(writer.Join(TimeSpan.FromSeconds(2)), "writes did not stall while flushes were paused");
        int stalledAt = Volatile.Read(ref written);
        Assert.InRange(stalledAt, 64, 200);
        Assert.True(db.GetMemoryUsage().ActiveMemTables + db.GetMemoryUsage().ImmutableMemTables < 8L << 20);
        lock (recorder.Conditions)
        {
            Assert.Contains(WriteStallCondition.Stopped, recorder.Conditions);
        }
        db.ContinueBackgroundWork();
        Assert.True(writer.Join(TimeSpan.FromSeconds(60)), "writes did not resume after flushes continued");
        Assert.Equal(400, written);
        lock (recorder.Conditions)
        {
            Assert.Equal(WriteStallCondition.Normal, recorder.Conditions[^1]);
        }
        for (int i = 0; i < 400; i++)
        {
            Assert.NotNull(db.Get(BitConverter.GetBytes(i)));
        }
    }

    [Fact]
    public void WritesSlowDownAtL0SlowdownTrigger()
    {
        using var dir = new TempDir();
        var recorder = new StallRecorder();
        DbOptions o = TestOptions.Small();
        o.DefaultColumnFamilyOptions.Level0SlowdownWritesTrigger = 2;
        o.DefaultColumnFamilyOptions.Level0FileNumCompactionTrigger = 2;
        o.DefaultColumnFamilyOptions.Level0StopWritesTrigger = 100;
        o.DefaultColumnFamilyOptions.WriteBufferSize = 4 << 20; // no flush (and no new L0 file) while delayed
        o.DelayedWriteRate = 1 << 20;
        o.Listeners.Add(recorder);
        using LsmDb db = LsmDb.Open(dir.Path, o);
        db.SetCompactionsPausedForTest(true);
        for (int f = 0; f < 3; f++)
        {
            db.Put(BitConverter.GetBytes(f), new byte[10]);
            db.Flush();
        }
        Assert.Equal("3", db.GetProperty("rocksdb.num-files-at-level0"));
        // Three L0 files, compaction held back: the next write is delayed, not refused.
        db.Put("x"u8, "y"u8);
        lock (recorder.Conditions)
        {
            Assert.Contains(WriteStallCondition.Delayed, recorder.Conditions);
        }
        // Delayed writes go at DelayedWriteRate (1 MiB/s here): 256 KiB more takes at least ~250 ms of stall time.
        long before = db.Statistics.Get(Ticker.StallMicros);
        var value = new byte[1024];
        for (int i = 0; i < 256; i++)
        {
            db.Put(BitConverter.GetBytes(1000 + i), value);
        }
        db.SetCompactionsPausedForTest(false);
        db.Put("z"u8, "z"u8); // back to normal: the stall time is recorded
        long stalled = db.Statistics.Get(Ticker.StallMicros) - before;
        Assert.True(stalled >= 200_000, $"stalled {stalled} us");
        Assert.Equal("y"u8.ToArray(), db.Get("x"u8));
    }
}
