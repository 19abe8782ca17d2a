using System.Diagnostics;
using System.Globalization;
using ManagedKv.RaftEngine.CrashChild;
using ManagedKv.Tests.Shared;
using Xunit.Abstractions;

namespace ManagedKv.RaftEngine.Tests.Crash;

/// <summary>
/// Kills a writing child process with SIGKILL at random moments and checks that every write it acknowledged (with
/// and without sync) is recovered, and that an in-flight write is either wholly present or wholly absent.
/// MANAGEDKV_SOAK=1 runs more rounds.
/// </summary>
public sealed class CrashTests
{
    private readonly ITestOutputHelper _output;

    public CrashTests(ITestOutputHelper output) => _output = output;

    private sealed class RegionModel
    {
        public ulong First = 1;
        public readonly List<ulong> Generations = []; // generation of entry First + i
        public ulong? StateGen;

        public ulong Last => First + (ulong)Generations.Count - 1;

        public RegionModel Clone()
        {
            var c = new RegionModel { First = First, StateGen = StateGen };
            c.Generations.AddRange(Generations);
            return c;
        }

        public void Apply(string[] op)
        {
            ulong a = ulong.Parse(op[3], CultureInfo.InvariantCulture);
            ulong b = ulong.Parse(op[4], CultureInfo.InvariantCulture);
            ulong gen = ulong.Parse(op[5], CultureInfo.InvariantCulture);
            if (op[2] == "C")
            {
                if (Generations.Count > 0 && a > First)
                {
                    int drop = (int)Math.Min((ulong)Generations.Count, a - First);
                    Generations.RemoveRange(0, drop);
                    First = Generations.Count == 0 ? First : a;
                }
                return;
            }
            if (Generations.Count == 0 || a <= First || a > Last + 1)
            {
                Generations.Clear();
                First = a;
            }
            else
            {
                Generations.RemoveRange((int)(a - First), Generations.Count - (int)(a - First));
            }
            for (ulong i = 0; i < b; i++)
            {
                Generations.Add(gen);
            }
            StateGen = gen;
        }

        public bool Matches(RaftLogEngine engine, ulong region)
        {
            if (Generations.Count == 0)
            {
                if (engine.FirstIndex(region) != null)
                {
                    return false;
                }
            }
            else
            {
                if (engine.FirstIndex(region) != First || engine.LastIndex(region) != Last)
                {
                    return false;
                }
                for (int i = 0; i < Generations.Count; i++)
                {
                    ulong index = First + (ulong)i;
                    byte[]? entry = engine.GetEntry(region, index);
                    if (entry == null || !entry.AsSpan().SequenceEqual(CrashContent.Entry(region, index, Generations[i])))
                    {
                        return false;
                    }
                }
            }
            byte[]? state = engine.GetState(region, "gen"u8);
            return StateGen == null ? state == null : state != null && BitConverter.ToUInt64(state) == StateGen;
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AcknowledgedWritesSurviveKill9(bool mapped)
    {
        int rounds = Environment.GetEnvironmentVariable("MANAGEDKV_SOAK") == "1" ? 30 : 3;
        int seed = Environment.GetEnvironmentVariable("MANAGEDKV_SEED") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : 7;
        var rng = new Random(seed);
        using var dir = new TempDir();
        var model = new Dictionary<ulong, RegionModel>();
        long merged = 0;
        for (int round = 0; round < rounds; round++)
        {
            var pending = new Dictionary<ulong, string[]>();
            int acks = 0;
            long roundMerged = 0;
            int killAfter = 200 + rng.Next(800);
            var errors = new System.Text.StringBuilder();
            using (Process child = StartChild(dir.Path, seed + round, (ulong)(round + 1) << 48, mapped))
            {
                child.ErrorDataReceived += (_, e) =>
                {
                    lock (errors)
                    {
                        errors.AppendLine(e.Data);
                    }
                };
                child.BeginErrorReadLine();
                string? line = child.StandardOutput.ReadLine();
                Assert.True(line == "READY", $"child did not start (seed {seed}): {line} {errors}");
                try
                {
                    while ((line = child.StandardOutput.ReadLine()) != null)
                    {
                        string[] parts = line.Split(' ');
                        if (parts[0] == "G")
                        {
                            roundMerged = long.Parse(parts[2], CultureInfo.InvariantCulture);
                            continue;
                        }
                        ulong region = ulong.Parse(parts[1], CultureInfo.InvariantCulture);
                        if (parts[0] == "B")
                        {
                            pending[region] = parts;
                        }
                        else
                        {
                            if (!model.TryGetValue(region, out RegionModel? m))
                            {
                                model[region] = m = new RegionModel();
                            }
                            m.Apply(pending[region]);
                            pending.Remove(region);
                            if (++acks == killAfter)
                            {
                                child.Kill(); // SIGKILL
                            }
                        }
                    }
                }
                catch
                {
                    child.Kill();
                    throw;
                }
                child.WaitForExit();
                Assert.True(acks >= killAfter, $"child exited early (seed {seed}): {errors}");
            }
            using var engine = RaftLogEngine.Open(dir.Path, new RaftEngineOptions { UseMemoryMappedWrites = mapped, TargetFileSize = 64 << 10, MaxRecycledFiles = 4 });
            foreach (ulong region in model.Keys.Union(pending.Keys).ToList())
            {
                RegionModel acked = model.TryGetValue(region, out RegionModel? m) ? m : new RegionModel();
                if (acked.Matches(engine, region))
                {
                    continue;
                }
                // The write in flight at the kill may have landed whole.
                Assert.True(pending.TryGetValue(region, out string[]? op), $"region {region} lost acknowledged writes (seed {seed}, round {round})");
                RegionModel withPending = acked.Clone();
                withPending.Apply(op!);
                Assert.True(withPending.Matches(engine, region), $"region {region} matches neither the acknowledged state nor it plus the in-flight write (seed {seed}, round {round})");
                model[region] = withPending;
            }
            merged += roundMerged;
            _output.WriteLine($"round {round}: {acks} acks, {roundMerged}+ merged batches, {engine.FileCount} files, {engine.RecycledFileCount} recycled, dropped {engine.RecoveryReport.DroppedRanges.Count}");
        }
        // Concurrent writers formed groups of several batches, written as merged batches, and those survived too.
        Assert.True(merged > 0, $"no write group of several batches was merged (seed {seed})");
    }

    private static Process StartChild(string dir, int seed, ulong generation, bool mapped) =>
        CrashChildProcess.Start("CrashChild", "ManagedKv.RaftEngine.CrashChild.dll", dir,
            seed.ToString(CultureInfo.InvariantCulture), generation.ToString(CultureInfo.InvariantCulture), mapped ? "mmap" : "write");
}
