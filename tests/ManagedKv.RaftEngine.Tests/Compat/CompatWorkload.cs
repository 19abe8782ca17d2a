using System.IO.Hashing;
using System.Text;

namespace ManagedKv.RaftEngine.Tests.Compat;

/// <summary>
/// A fixed, deterministic workload over every kind of item (entries with overwrites and holes, LZ4 blocks, state
/// puts and deletes, compactions, cleans, merged write groups, rotations, purge rewrites) and a text dump of the
/// logical state it leaves. The files it wrote with format version 2 are kept in Fixtures/v2 with their dump: newer
/// code must read them to the same dump, and the same workload written with the current format must dump the same.
/// </summary>
internal static class CompatWorkload
{
    public const int Regions = 6;

    private static readonly string[] s_keys = ["raft_state", "apply_state", "k0", "k1", "k2"];

    public static RaftEngineOptions Options() => new()
    {
        TargetFileSize = 16 << 10,
        PreallocateFiles = false,
        MaxRecycledFiles = 0,
        PrefillForRecycle = false,
        UseMemoryMappedWrites = false,
        DirectSyncedWrites = false,
        BatchCompressionThreshold = 256,
        PurgeThreshold = 48 << 10,
        RecoveryMode = RecoveryMode.AbsoluteConsistency,
    };

    public static void Run(RaftLogEngine engine)
    {
        var rng = new Random(20261128);
        var last = new ulong[Regions + 1];
        var batch = new LogBatch();
        for (int round = 0; round < 120; round++)
        {
            int region = 1 + rng.Next(Regions);
            batch.Clear();
            AddRound(batch, rng, region, round, last);
            if (round % 7 == 3)
            {
                // A write group of three batches (one merged batch on disk).
                var group = new List<LogBatch> { batch };
                for (int i = 0; i < 2; i++)
                {
                    var more = new LogBatch();
                    AddRound(more, rng, 1 + rng.Next(Regions), round, last);
                    group.Add(more);
                }
                engine.WriteGroupForTest(group, sync: round % 2 == 0);
            }
            else
            {
                engine.Write(batch, sync: round % 3 == 0);
            }
            if (round % 20 == 19)
            {
                engine.PurgeExpiredFiles();
            }
        }
    }

    private static void AddRound(LogBatch batch, Random rng, int region, int round, ulong[] last)
    {
        ulong r = (ulong)region;
        int kind = rng.Next(12);
        if (kind == 0 && last[region] > 0)
        {
            batch.Clean(r);
            last[region] = 0;
            return;
        }
        ulong first = last[region] == 0 ? 1 + (ulong)rng.Next(100)
            : kind == 1 ? Math.Max(1, last[region] - (ulong)rng.Next(3))   // overwrite a suffix
            : kind == 2 ? last[region] + 5                                 // a hole: the log restarts
            : last[region] + 1;
        int count = 1 + rng.Next(region == 4 ? 8 : 4);
        var entries = new ReadOnlyMemory<byte>[count];
        for (int i = 0; i < count; i++)
        {
            // Region 4 writes compressible entries (LZ4 blocks above the 256-byte threshold); others random ones.
            byte[] entry = new byte[region == 4 ? 100 + rng.Next(400) : rng.Next(200)];
            if (region == 4)
            {
                entry.AsSpan().Fill((byte)(round + i));
            }
            else
            {
                rng.NextBytes(entry);
            }
            entries[i] = entry;
        }
        batch.AddEntries(r, first, entries);
        last[region] = first + (ulong)count - 1;
        byte[] state = new byte[24];
        rng.NextBytes(state);
        batch.PutState(r, Encoding.ASCII.GetBytes(s_keys[0]), state);
        if (kind == 3)
        {
            batch.PutState(r, Encoding.ASCII.GetBytes(s_keys[2 + rng.Next(3)]), Encoding.ASCII.GetBytes("round " + round));
        }
        if (kind == 4)
        {
            batch.DeleteState(r, Encoding.ASCII.GetBytes(s_keys[2 + rng.Next(3)]));
        }
        if (kind == 5 && last[region] > 6)
        {
            batch.Compact(r, last[region] - 4);
        }
    }

    /// <summary>Every region's first and last index, each live entry's length and XXH64, and every known state key.</summary>
    public static string Dump(RaftLogEngine engine)
    {
        var text = new StringBuilder();
        var into = new List<byte[]>();
        for (ulong region = 1; region <= Regions; region++)
        {
            ulong? first = engine.FirstIndex(region);
            ulong? last = engine.LastIndex(region);
            text.Append("region ").Append(region).Append(" first ").Append(first?.ToString() ?? "-").Append(" last ").Append(last?.ToString() ?? "-").Append('\n');
            if (first != null && last != null)
            {
                into.Clear();
                engine.FetchEntries(region, first.Value, last.Value + 1, long.MaxValue, into);
                for (int i = 0; i < into.Count; i++)
                {
                    text.Append("  entry ").Append(first.Value + (ulong)i).Append(' ').Append(into[i].Length).Append(' ')
                        .Append(XxHash64.HashToUInt64(into[i]).ToString("X16")).Append('\n');
                }
            }
            foreach (string key in s_keys)
            {
                byte[]? value = engine.GetState(region, Encoding.ASCII.GetBytes(key));
                if (value != null)
                {
                    text.Append("  state ").Append(key).Append(' ').Append(Convert.ToHexString(value)).Append('\n');
                }
            }
        }
        return text.ToString();
    }
}
