using System.Text;

namespace ManagedKv.Lsm.Tests.Db;

public sealed class EventListenerTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void FlushAndCompactionEventsCarryTheirJob()
    {
        using var dir = new TempDir();
        var listener = new RecordingListener();
        DbOptions o = TestOptions.Small();
        o.DefaultColumnFamilyOptions.DisableAutoCompactions = true;
        o.Listeners.Add(listener);
        using LsmDb db = LsmDb.Open(dir.Path, o);
        for (int i = 0; i < 10; i++)
        {
            db.Put(B($"k{i}"), B("v"));
        }
        db.Flush();
        object[] events = listener.Events.ToArray();
        FlushBeginInfo begin = Assert.IsType<FlushBeginInfo>(events[0]);
        FlushJobInfo done = Assert.IsType<FlushJobInfo>(events[1]);
        Assert.Equal("default", begin.ColumnFamilyName);
        Assert.Equal(1, begin.MemTables);
        Assert.Equal(10, begin.Entries);
        Assert.Equal(1UL, begin.SmallestSequence);
        Assert.Equal(10UL, begin.LargestSequence);
        Assert.Equal(10, done.Entries);
        Assert.True(File.Exists(done.FilePath));
        Assert.Equal(10UL, done.TableProperties!.NumEntries);

        db.Put(B("k0"), B("w"));
        db.Flush();
        listener.Events.Clear();
        db.CompactRange();
        events = listener.Events.ToArray();
        CompactionBeginInfo cBegin = Assert.IsType<CompactionBeginInfo>(events[0]);
        CompactionJobInfo cDone = Assert.IsType<CompactionJobInfo>(events[1]);
        Assert.Equal(2, events.Length);
        Assert.Equal(0, cBegin.BaseInputLevel);
        Assert.Equal(cDone.OutputLevel, cBegin.OutputLevel);
        Assert.Equal("manual", cBegin.Reason);
        Assert.True(cBegin.IsManualCompaction);
        Assert.Equal(cDone.InputFiles, cBegin.InputFiles);
        Assert.Equal(2, cBegin.InputFiles.Length);
        Assert.True(cBegin.InputBytes > 0);
        Assert.Equal(11, cDone.EntriesIn);
        Assert.Equal(1, cDone.EntriesDropped);
        Assert.Equal(cDone.OutputFiles.Length, cDone.OutputTableProperties.Count);
        Assert.Equal(10UL, cDone.OutputTableProperties[0].NumEntries);
        Assert.True(cDone.IsManualCompaction);
    }

    [Fact]
    public void StallStartsWhenMemtablesPileUpAndEndsWhenFlushCatchesUp()
    {
        using var dir = new TempDir();
        var listener = new RecordingListener();
        DbOptions o = TestOptions.Small();
        o.DefaultColumnFamilyOptions.MaxWriteBufferNumber = 2;
        o.Listeners.Add(listener);
        using LsmDb db = LsmDb.Open(dir.Path, o);
        using var gate = new ManualResetEventSlim(false);
        db.TableOutputFaultHook = (level, _) =>
        {
            if (level == 0)
            {
                gate.Wait(); // hold flushes
            }
        };
        var writer = new Thread(() =>
        {
            for (int i = 0; i < 3000; i++)
            {
                db.Put(B($"k{i:D5}"), new byte[100]);
            }
        });
        writer.Start();
        Assert.True(SpinWait.SpinUntil(() => listener.Events.OfType<WriteStallInfo>().Any(), 10_000), "no stall");
        Assert.Equal(WriteStallCondition.Stopped, listener.Events.OfType<WriteStallInfo>().First().Condition);
        Assert.True(writer.IsAlive);
        gate.Set();
        Assert.True(writer.Join(20_000));
        WriteStallInfo[] stalls = listener.Events.OfType<WriteStallInfo>().ToArray();
        Assert.Equal(WriteStallCondition.Normal, stalls[^1].Condition);
        Assert.Equal(100, db.Get(B("k02999"))!.Length);
    }

    [Fact]
    public void AFailedCompactionWriteReportsABackgroundErrorAndStopsWrites()
    {
        using var dir = new TempDir();
        var listener = new RecordingListener();
        DbOptions o = TestOptions.Small();
        o.DefaultColumnFamilyOptions.DisableAutoCompactions = true;
        o.Listeners.Add(listener);
        using (LsmDb db = LsmDb.Open(dir.Path, o))
        {
            db.Put(B("a"), B("1"));
            db.Flush();
            db.Put(B("a"), B("2"));
            db.Flush();
            db.TableOutputFaultHook = (level, number) =>
            {
                if (level > 0)
                {
                    throw new IOException($"injected write failure of #{number}");
                }
            };
            IOException e = Assert.Throws<IOException>(() => db.CompactRange());
            Assert.Contains("injected write failure", e.Message);
            BackgroundErrorInfo error = Assert.Single(listener.Events.OfType<BackgroundErrorInfo>());
            Assert.Equal("compaction", error.Job);
            Assert.Contains("injected write failure", error.Error.Message);
            Assert.Empty(listener.Compactions);
            Assert.Single(listener.Events.OfType<CompactionBeginInfo>());
            Assert.Throws<IOException>(() => db.Put(B("b"), B("3")));
            Assert.Equal("1", db.GetProperty("rocksdb.background-errors"));
            Assert.Equal(B("2"), db.Get(B("a"))); // reads still work
        }
        using (LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small(create: false)))
        {
            Assert.Equal(B("2"), db.Get(B("a")));
            db.Put(B("b"), B("3"));
        }
    }
}
