using System.Buffers;

namespace ManagedKv.Lsm.Tests.Db;

/// <summary>Once warm, point lookups (memtable, L0, compressed bottom level) and puts allocate no managed memory.</summary>
public sealed class AllocationTests
{
    [Fact]
    public void GetFromTablesAndMemtableAndPutAllocateNothingAfterOpen()
    {
        const int Stored = 3200;
        var keys = new byte[Stored + 200][];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = BitConverter.GetBytes(i * 7919);
        }
        var newKeys = new byte[400][];
        for (int i = 0; i < newKeys.Length; i++)
        {
            newKeys[i] = BitConverter.GetBytes(-1 - i);
        }
        var value = new byte[60];
        using var dir = new TempDir();
        using (LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small()))
        {
            for (int i = 0; i < 3000; i++)
            {
                db.Put(keys[i], value);
            }
            db.Flush();
            for (int i = 3000; i < Stored; i++)
            {
                db.Put(keys[i], value); // left in the WAL: replayed (and flushed) by the next open
            }
        }
        using LsmDb reopened = LsmDb.Open(dir.Path, TestOptions.Small(create: false));
        // A fixed shape while measuring: a bottom level (zstd), one L0 file (none) and the memtable, no compaction.
        reopened.CompactRange();
        for (int i = Stored - 200; i < Stored; i++)
        {
            reopened.Put(keys[i], value);
        }
        reopened.Flush();
        for (int i = Stored - 100; i < Stored; i++)
        {
            reopened.Put(keys[i], value);
        }
        reopened.SetCompactionsPausedForTest(true);
        var sink = new ArrayBufferWriter<byte>(256);
        ColumnFamily cf = reopened.DefaultColumnFamily;
        for (int pass = 0; pass < 2; pass++)
        {
            // Pass 0 warms the JIT, the caches and the per-thread decompressors; pass 1 is measured.
            int found = 0;
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < keys.Length; i++)
            {
                sink.ResetWrittenCount();
                if (reopened.TryGet(cf, keys[i], sink))
                {
                    found++;
                }
            }
            long afterGets = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++)
            {
                reopened.Put(newKeys[(pass * 200) + i], value);
            }
            long afterPuts = GC.GetAllocatedBytesForCurrentThread();
            Assert.Equal(Stored, found);
            if (pass == 1)
            {
                Assert.Equal((0L, 0L), (afterGets - before, afterPuts - afterGets));
            }
        }
    }
}
