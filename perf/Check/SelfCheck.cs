using ManagedKv.Perf.Cli;
using ManagedKv.Perf.Engines;
using ManagedKv.Perf.Measurement;
using ManagedKv.Perf.Workloads;

namespace ManagedKv.Perf.Check;

/// <summary>
/// The `check` subcommand: the harness checks itself before its numbers are trusted. The latency histogram against
/// exact percentiles of random samples; the key format's order; and every available engine adapter against a
/// SortedDictionary model under random puts, deletes, batches, flushes, scans both ways and seeks, across a
/// reopen. Each randomized check prints its seed; `check --seed N` replays it. Exit code 0 only if all pass.
/// </summary>
internal static class SelfCheck
{
    public static int Run(string[] args)
    {
        ulong seed = (ulong)DateTime.UtcNow.Ticks;
        var engines = new List<string>(EngineCatalog.KnownNames);
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--seed")
            {
                seed = ulong.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (args[i] == "--engines")
            {
                engines = [.. args[i + 1].Split(',', StringSplitOptions.RemoveEmptyEntries)];
            }
        }

        int failures = 0;
        failures += Report("histogram percentiles", () => HistogramCheck.Run(seed), seed);
        failures += Report("histogram bucket bounds", () => HistogramCheck.RunBounds(seed), seed);
        failures += Report("key format order", () => KeyFormatCheck(seed), seed);
        foreach (string name in engines)
        {
            EngineDescriptor? descriptor = EngineCatalog.Find(name);
            if (descriptor is null)
            {
                Console.WriteLine($"FAIL engine {name}: unknown");
                failures++;
                continue;
            }
            if (!descriptor.IsAvailable)
            {
                Console.WriteLine($"skip engine {name}: {descriptor.UnavailableReason}");
                continue;
            }
            failures += Report($"engine {name} against a model", () => EngineModelCheck.Run(descriptor, seed), seed);
        }
        Console.WriteLine(RaftEngineCommand.FindEntryPoint() is null
            ? "info raftengine: perf/RaftEngine/ not in this build"
            : "info raftengine: entry point found");
        Console.WriteLine(RaftCommand.FindEntryPoint() is null
            ? "info raft: perf/Raft/ not in this build"
            : "info raft: entry point found");
        Console.WriteLine(failures == 0 ? "all checks passed" : $"{failures} check(s) failed");
        return failures == 0 ? 0 : 1;
    }

    private static int Report(string name, Action check, ulong seed)
    {
        try
        {
            check();
            Console.WriteLine($"ok   {name}");
            return 0;
        }
        catch (CheckFailedException e)
        {
            Console.WriteLine($"FAIL {name} (seed {seed}): {e.Message}");
            return 1;
        }
    }

    private static void KeyFormatCheck(ulong seed)
    {
        var random = new FastRandom(seed);
        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        Span<byte> missing = stackalloc byte[16];
        for (int i = 0; i < 100_000; i++)
        {
            ulong x = random.Below(1UL << 40);
            ulong y = random.Below(1UL << 40);
            KeyFormat.Write(a, x);
            KeyFormat.Write(b, y);
            int byKey = Math.Sign(a.SequenceCompareTo(b));
            if (byKey != x.CompareTo(y))
            {
                throw new CheckFailedException($"key order of {x} and {y} is {byKey}");
            }
            if (KeyFormat.NumberOf(a) != (long)x)
            {
                throw new CheckFailedException($"NumberOf round trip failed for {x}");
            }
            KeyFormat.WriteMissing(missing, x);
            KeyFormat.Write(b, x + 1);
            if (missing.SequenceCompareTo(a) >= 0 || (x > 0 && missing.SequenceCompareTo(b) >= 0))
            {
                throw new CheckFailedException($"missing key of {x} does not sort inside the key range");
            }
        }
    }
}
