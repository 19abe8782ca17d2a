using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace ManagedKv.Lsm.Tests.Db;

/// <summary>
/// Kills a real child process (SIGKILL) while it writes, reopens the DB and checks: every acknowledged write is
/// present, each two-CF batch is all-or-nothing, and nothing that was never written appears. Runs with Sync=true and
/// Sync=false (a process crash must lose nothing acknowledged either way). MANAGEDKV_SOAK=1 runs 25 cycles per mode.
/// </summary>
public sealed class CrashTests
{
    private readonly ITestOutputHelper _output;

    public CrashTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void KilledWriterLosesNothingAcknowledged(bool sync)
    {
        int seed = Environment.TickCount;
        var rnd = new Random(seed);
        int cycles = Environment.GetEnvironmentVariable("MANAGEDKV_SOAK") == "1" ? 25 : 3;
        _output.WriteLine($"seed {seed}, sync {sync}, {cycles} cycles");
        using var dir = new TempDir();
        var acked = new Dictionary<(int Cycle, int Thread), int>();
        const int threads = 4;
        for (int cycle = 0; cycle < cycles; cycle++)
        {
            Dictionary<int, int> maxAck = RunChildUntilKilled(dir.Path, sync, threads, cycle, rnd.Next(300, 1200));
            for (int t = 0; t < threads; t++)
            {
                acked[(cycle, t)] = maxAck.TryGetValue(t, out int m) ? m : -1;
            }
            _output.WriteLine($"cycle {cycle}: acknowledged {string.Join(", ", maxAck.OrderBy(kv => kv.Key).Select(kv => $"t{kv.Key}<={kv.Value}"))}");
            Verify(dir.Path, acked, cycle, threads, seed);
        }
    }

    private static Dictionary<int, int> RunChildUntilKilled(string path, bool sync, int threads, int cycle, int killAfterMs)
    {
        string childDll = Path.Combine(AppContext.BaseDirectory, "ManagedKv.Lsm.CrashChild.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(childDll);
        psi.ArgumentList.Add(path);
        psi.ArgumentList.Add(sync ? "1" : "0");
        psi.ArgumentList.Add(threads.ToString());
        psi.ArgumentList.Add(cycle.ToString());
        var maxAck = new Dictionary<int, int>();
        var ready = new ManualResetEventSlim();
        var stderr = new StringBuilder();
        using var child = Process.Start(psi)!;
        child.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        child.BeginErrorReadLine();
        var reader = new Thread(() =>
        {
            string? line;
            while ((line = child.StandardOutput.ReadLine()) is not null)
            {
                if (line == "READY")
                {
                    ready.Set();
                    continue;
                }
                string[] parts = line.Split(' ');
                if (parts.Length == 3 && parts[0] == "ACK" && int.TryParse(parts[1], out int t) && int.TryParse(parts[2], out int i))
                {
                    lock (maxAck)
                    {
                        maxAck[t] = Math.Max(maxAck.TryGetValue(t, out int m) ? m : -1, i);
                    }
                }
            }
        });
        reader.Start();
        if (!ready.Wait(TimeSpan.FromSeconds(60)))
        {
            child.Kill(entireProcessTree: true);
            throw new InvalidOperationException("crash child did not start: " + stderr);
        }
        Thread.Sleep(killAfterMs);
        if (child.HasExited)
        {
            throw new InvalidOperationException($"crash child exited early ({child.ExitCode}): {stderr}");
        }
        child.Kill(entireProcessTree: true); // SIGKILL
        child.WaitForExit();
        reader.Join();
        lock (maxAck)
        {
            return new Dictionary<int, int>(maxAck);
        }
    }

    private static void Verify(string path, Dictionary<(int Cycle, int Thread), int> acked, int lastCycle, int threads, int seed)
    {
        using LsmDb db = LsmDb.Open(path, CrashOptions.Create());
        ColumnFamily meta = db.GetColumnFamily("meta")!;
        // Every acknowledged write is present in both CFs with its value.
        foreach (((int cycle, int t), int max) in acked)
        {
            for (int i = 0; i <= max; i++)
            {
                byte[] key = Encoding.ASCII.GetBytes($"c{cycle}-t{t}-{i:D7}");
                byte[] expected = CrashOptions.ValueFor(key);
                Assert.True(expected.AsSpan().SequenceEqual(db.Get(key)), $"seed {seed}: acknowledged {Encoding.ASCII.GetString(key)} missing from default");
                Assert.True(expected.AsSpan().SequenceEqual(db.Get(meta, key)), $"seed {seed}: acknowledged {Encoding.ASCII.GetString(key)} missing from meta");
            }
        }
        // Nothing else: each key was written by the child (value matches), at most one unacknowledged write per thread
        // survived, and it survived in both CFs (the batch is atomic).
        var extra = new Dictionary<string, int>();
        foreach (ColumnFamily cf in new[] { db.DefaultColumnFamily, meta })
        {
            using LsmIterator it = db.NewIterator(cf);
            for (it.SeekToFirst(); it.Valid; it.Next())
            {
                string key = Encoding.ASCII.GetString(it.Key);
                Assert.True(CrashOptions.ValueFor(it.Key).AsSpan().SequenceEqual(it.Value), $"seed {seed}: wrong value for {key}");
                string[] parts = key.Split('-');
                int cycle = int.Parse(parts[0][1..]);
                int t = int.Parse(parts[1][1..]);
                int i = int.Parse(parts[2]);
                int max = acked[(cycle, t)];
                Assert.True(i <= max + 1, $"seed {seed}: {key} appeared but thread acknowledged only up to {max}");
                if (i == max + 1)
                {
                    extra[key] = extra.TryGetValue(key, out int n) ? n + 1 : 1;
                }
            }
        }
        foreach ((string key, int count) in extra)
        {
            Assert.True(count == 2, $"seed {seed}: unacknowledged batch {key} is only in one CF (not atomic)");
        }
    }
}
