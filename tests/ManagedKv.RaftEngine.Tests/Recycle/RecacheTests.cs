namespace ManagedKv.RaftEngine.Tests.Recycle;

/// <summary>
/// Whether purged files entering the recycle pool are re-cached in single pages (FORMAT.md, "Recycling"): yes after
/// buffered synced appends, no after unsynced ones (the re-read only costs there) nor after direct synced writes
/// (they drop the cached pages they cover); either way the reused files recover.
/// </summary>
public sealed class RecacheTests
{
    private static RaftEngineOptions Options(bool direct) => new()
    {
        DirectSyncedWrites = direct,
        TargetFileSize = 64 << 10,
        PurgeThreshold = 128 << 10,
        MaxRecycledFiles = 8,
        PrefillForRecycle = false,
        BlockCacheCapacity = 0,
    };

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void PurgedFilesAreRecachedOnlyAfterBufferedSyncedAppends(bool sync, bool direct)
    {
        using var dir = new TempDir();
        var batch = new LogBatch();
        var payload = new byte[900];
        ulong last = 0;
        using (RaftLogEngine engine = RaftLogEngine.Open(dir.Path, Options(direct)))
        {
            for (int step = 0; step < 1500; step++)
            {
                last++;
                payload[0] = (byte)last;
                batch.Clear();
                batch.AddEntries(1, last, new ReadOnlyMemory<byte>[] { payload });
                if (last > 8)
                {
                    batch.Compact(1, last - 7);
                }
                engine.Write(batch, sync);
                if (step % 16 == 0)
                {
                    engine.PurgeExpiredFiles();
                }
            }
            Assert.True(engine.RecycledFileReuses > 0, "no purged file was reused");
            bool directUsed = sync && direct && dir.SupportsDirectIo();
            Assert.Equal(directUsed, engine.DirectWriteBytes > 0);
            if (sync && !directUsed)
            {
                Assert.Equal(0, engine.Pipe.RecacheSkips);
                if (OperatingSystem.IsLinux())
                {
                    Assert.True(engine.RecycleRecacheBytes > 0);
                }
            }
            else
            {
                Assert.True(engine.Pipe.RecacheSkips > 0);
                Assert.Equal(0, engine.RecycleRecacheBytes);
            }
        }
        using (RaftLogEngine engine = RaftLogEngine.Open(dir.Path, Options(direct)))
        {
            Assert.Equal(last - 7, engine.FirstIndex(1));
            Assert.Equal(last, engine.LastIndex(1));
            var got = new List<byte[]>();
            engine.FetchEntries(1, last - 7, last + 1, long.MaxValue, got);
            Assert.Equal(8, got.Count);
            for (int i = 0; i < got.Count; i++)
            {
                Assert.Equal((byte)(last - 7 + (ulong)i), got[i][0]);
                Assert.Equal(900, got[i].Length);
            }
        }
    }
}
