using ManagedKv.Perf.Engines;
using ManagedKv.Perf.Workloads;

namespace ManagedKv.Perf.Check;

/// <summary>
/// Drives one engine adapter with random operations (put, delete, get, batch, flush, seek and scans both ways)
/// mirrored on a SortedDictionary, compares every answer, then closes, reopens and compares the whole content.
/// Small write buffers make flushes and compactions happen within the few thousand operations.
/// </summary>
internal static class EngineModelCheck
{
    private const int Operations = 20_000;
    private const int KeySpace = 3_000;
    private const int KeySize = 16;

    public static void Run(EngineDescriptor descriptor, ulong seed)
    {
        string dir = Path.Combine(Path.GetTempPath(), "managedkv-perf-check", descriptor.Name + "-" + Environment.ProcessId + "-" + seed);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
        Directory.CreateDirectory(dir);
        var options = new EngineOptions { WriteBufferSize = 256 << 10, TargetFileSizeBase = 256 << 10, MaxBytesForLevelBase = 1 << 20, BlockCacheSize = 1 << 20 };
        var model = new SortedDictionary<byte[], byte[]>(BytewiseComparer.Instance);
        var random = new FastRandom(seed ^ 0x5EED);
        try
        {
            using (IBenchEngine engine = descriptor.Open(dir, options))
            {
                using IBenchWriteBatch batch = engine.NewWriteBatch();
                var buffer = new byte[256];
                for (int op = 0; op < Operations; op++)
                {
                    int dice = (int)random.Below(1000);
                    byte[] key = Key(random.Below(KeySpace));
                    if (dice < 450)
                    {
                        byte[] value = Value(ref random);
                        engine.Put(key, value, sync: false);
                        model[key] = value;
                    }
                    else if (dice < 600)
                    {
                        engine.Delete(key, sync: false);
                        model.Remove(key);
                    }
                    else if (dice < 900)
                    {
                        int length = engine.Get(key, buffer);
                        bool present = model.TryGetValue(key, out byte[]? expected);
                        if (present != length >= 0 || (present && (length != expected!.Length ||
                            !buffer.AsSpan(0, Math.Min(length, buffer.Length)).SequenceEqual(expected.AsSpan(0, Math.Min(length, buffer.Length))))))
                        {
                            throw new CheckFailedException($"op {op}: Get({Show(key)}) returned length {length}, model has {(present ? expected!.Length : -1)}");
                        }
                    }
                    else if (dice < 950)
                    {
                        int n = 1 + (int)random.Below(20);
                        for (int i = 0; i < n; i++)
                        {
                            byte[] k = Key(random.Below(KeySpace));
                            if (random.Below(4) == 0)
                            {
                                batch.Delete(k);
                                model.Remove(k);
                            }
                            else
                            {
                                byte[] v = Value(ref random);
                                batch.Put(k, v);
                                model[k] = v;
                            }
                        }
                        if (batch.Count != n)
                        {
                            throw new CheckFailedException($"op {op}: batch count {batch.Count}, expected {n}");
                        }
                        engine.Write(batch, sync: random.Below(10) == 0);
                        batch.Clear();
                    }
                    else if (dice < 953)
                    {
                        engine.Flush();
                    }
                    else if (dice < 954)
                    {
                        engine.CompactAll();
                    }
                    else
                    {
                        CheckSeek(engine, model, key, (int)random.Below(30), op);
                    }
                }
            }
            using (IBenchEngine reopened = descriptor.Open(dir, options))
            {
                CheckAll(reopened, model);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void CheckSeek(IBenchEngine engine, SortedDictionary<byte[], byte[]> model, byte[] target, int steps, int op)
    {
        using IBenchIterator it = engine.NewIterator();
        it.Seek(target);
        int seen = 0;
        foreach (KeyValuePair<byte[], byte[]> entry in model)
        {
            if (BytewiseComparer.Instance.Compare(entry.Key, target) < 0)
            {
                continue;
            }
            if (seen++ == steps)
            {
                return;
            }
            if (!it.Valid || !it.Key.SequenceEqual(entry.Key) || !it.Value.SequenceEqual(entry.Value))
            {
                throw new CheckFailedException($"op {op}: Seek({Show(target)}) step {seen - 1}: iterator at {(it.Valid ? Show(it.Key) : "end")}, model at {Show(entry.Key)}");
            }
            it.Next();
        }
        if (seen <= steps && it.Valid)
        {
            throw new CheckFailedException($"op {op}: Seek({Show(target)}) iterator has {Show(it.Key)} past the model's end");
        }
    }

    private static void CheckAll(IBenchEngine engine, SortedDictionary<byte[], byte[]> model)
    {
        using IBenchIterator it = engine.NewIterator();
        it.SeekToFirst();
        foreach (KeyValuePair<byte[], byte[]> entry in model)
        {
            if (!it.Valid || !it.Key.SequenceEqual(entry.Key) || !it.Value.SequenceEqual(entry.Value))
            {
                throw new CheckFailedException($"after reopen, forward scan at {(it.Valid ? Show(it.Key) : "end")}, model at {Show(entry.Key)}");
            }
            it.Next();
        }
        if (it.Valid)
        {
            throw new CheckFailedException($"after reopen, forward scan has extra key {Show(it.Key)}");
        }
        it.SeekToLast();
        foreach (KeyValuePair<byte[], byte[]> entry in model.Reverse())
        {
            if (!it.Valid || !it.Key.SequenceEqual(entry.Key))
            {
                throw new CheckFailedException($"after reopen, reverse scan at {(it.Valid ? Show(it.Key) : "end")}, model at {Show(entry.Key)}");
            }
            it.Prev();
        }
        if (it.Valid)
        {
            throw new CheckFailedException($"after reopen, reverse scan has extra key {Show(it.Key)}");
        }
    }

    private static byte[] Key(ulong number)
    {
        var key = new byte[KeySize];
        KeyFormat.Write(key, number);
        return key;
    }

    private static byte[] Value(ref FastRandom random)
    {
        // Lengths up to 300 bytes: some exceed the 256-byte Get buffer, checking the truncation contract.
        var value = new byte[(int)random.Below(301)];
        for (int i = 0; i < value.Length; i++)
        {
            value[i] = (byte)random.Next();
        }
        return value;
    }

    private static string Show(ReadOnlySpan<byte> key) => KeyFormat.NumberOf(key) is long n and >= 0 ? "#" + n : Convert.ToHexString(key);
}
