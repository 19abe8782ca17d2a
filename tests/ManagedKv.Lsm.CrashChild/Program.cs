using System.Text;
using ManagedKv.Lsm;

// Usage: ManagedKv.Lsm.CrashChild <db path> <sync 0|1> <threads> <cycle>
// Each thread writes atomic two-CF batches with keys "c<cycle>-t<thread>-<i>" and prints "ACK <thread> <i>" after
// each Write returns. The parent kills this process at a random moment and checks what survived.
string path = args[0];
bool sync = args[1] == "1";
int threads = int.Parse(args[2]);
int cycle = int.Parse(args[3]);

LsmDb db = LsmDb.Open(path, CrashOptions.Create());
ColumnFamily meta = db.GetColumnFamily("meta")!;
var writeOptions = new WriteOptions { Sync = sync };
var output = Console.Out;
var workers = new Thread[threads];
for (int t = 0; t < threads; t++)
{
    int id = t;
    workers[t] = new Thread(() =>
    {
        var batch = new WriteBatch();
        for (int i = 0; ; i++)
        {
            byte[] key = Encoding.ASCII.GetBytes($"c{cycle}-t{id}-{i:D7}");
            byte[] value = CrashOptions.ValueFor(key);
            batch.Clear();
            batch.Put(key, value);
            batch.Put(meta, key, value);
            db.Write(batch, writeOptions);
            output.WriteLine($"ACK {id} {i}");
        }
    })
    { IsBackground = true };
    workers[t].Start();
}
Console.WriteLine("READY");
Thread.Sleep(Timeout.Infinite);

/// <summary>Options shared by the crash child and the test that checks its DB.</summary>
public static class CrashOptions
{
    public static DbOptions Create()
    {
        var o = new DbOptions { CreateIfMissing = true, CreateMissingColumnFamilies = true };
        Tune(o.DefaultColumnFamilyOptions);
        o.ColumnFamilies["meta"] = Tune(new ColumnFamilyOptions());
        return o;
    }

    private static ColumnFamilyOptions Tune(ColumnFamilyOptions c)
    {
        c.WriteBufferSize = 64 << 10;
        c.Level0FileNumCompactionTrigger = 2;
        c.TargetFileSizeBase = 64 << 10;
        c.MaxBytesForLevelBase = 256 << 10;
        c.BlockSize = 2048;
        return c;
    }

    /// <summary>The value written for a key: derived from the key so the checker knows it.</summary>
    public static byte[] ValueFor(ReadOnlySpan<byte> key)
    {
        var v = new byte[64 + key.Length];
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = (byte)(key[i % key.Length] ^ i);
        }
        return v;
    }
}
