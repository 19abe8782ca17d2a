using System.Globalization;
using System.Text;
using ManagedKv.Node.Batch;
using ManagedKv.Node.Store;
using ManagedKv.Node.Tests;
using ManagedKv.Node.Tests.Batch;
using ManagedKv.Node.Tests.Cluster;

namespace ManagedKv.Node.CrashChild;

/// <summary>
/// Three stores in one process over the in-memory transport, with real engines under <c>dir/store{1,2,3}</c>
/// (bootstrapped on the first run): proposes puts of unique keys to every region from several tasks and prints
/// <c>ACK key value</c> for each one applied on its leader, until the parent kills the process.
/// Usage: <c>dir seed round</c>.
/// </summary>
public static class Program
{
    private const int Stores = CrashShape.Stores;
    private const int Regions = CrashShape.Regions;

    public static async Task<int> Main(string[] args)
    {
        string dir = args[0];
        int seed = int.Parse(args[1], CultureInfo.InvariantCulture);
        int round = int.Parse(args[2], CultureInfo.InvariantCulture);
        var transport = new InMemoryTransport(Stores);
        var ids = new List<ulong> { 1, 2, 3 };
        var routers = new Router[Stores];
        for (int i = 0; i < Stores; i++)
        {
            ulong id = (ulong)(i + 1);
            string storeDir = Path.Combine(dir, "store" + id);
            bool fresh = !Directory.Exists(storeDir);
            StoreEngines engines = TestEngines.Open(storeDir);
            if (fresh)
            {
                for (ulong r = 1; r <= Regions; r++)
                {
                    PeerStorage.BootstrapRegion(engines, TestEngines.NewRegion(r, Encoding.UTF8.GetBytes($"r{r:D4}"), Encoding.UTF8.GetBytes($"r{r + 1:D4}"), ids));
                }
            }

            StoreSystem system = StoreSystem.Start(id, engines, transport.SinkFor(id), new PutApplier(), new BatchSystemOptions { BaseTickInterval = TimeSpan.FromMilliseconds(10) });
            transport.Connect(id, system.Router);
            routers[i] = system.Router;
        }

        for (ulong r = 1; r <= Regions; r++)
        {
            routers[(int)(r % Stores)].Campaign(r);
        }

        Console.Out.WriteLine("READY");
        Console.Out.Flush();
        var output = new object();
        var workers = new Task[4];
        for (int w = 0; w < workers.Length; w++)
        {
            int worker = w;
            workers[w] = Task.Run(async () =>
            {
                var rng = new Random(seed * 31 + worker);
                for (long n = 0; ; n++)
                {
                    ulong region = 1 + (ulong)rng.Next(Regions);
                    string key = $"r{region:D4}/{round}-{worker}-{n}";
                    string value = $"v{seed}-{n}";
                    byte[] command = PutApplier.Encode(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));
                    int target = rng.Next(Stores);
                    for (int attempt = 0; attempt < 1000; attempt++)
                    {
                        ProposeResult result = await routers[target].ProposeAsync(region, command);
                        if (result.IsOk)
                        {
                            lock (output)
                            {
                                Console.Out.WriteLine($"ACK {key} {value}");
                                Console.Out.Flush();
                            }
                            break;
                        }

                        if (result.Error == ProposeError.NotLeader && result.Leader is Metapb.Peer leader)
                        {
                            target = (int)leader.StoreId - 1;
                        }
                        else
                        {
                            // StaleCommand: the entry may still be in the log; a retry writes the key again with the
                            // same value, which is harmless. No leader yet: try another store.
                            await Task.Delay(5);
                            target = (target + 1) % Stores;
                        }
                    }
                }
            });
        }

        await Task.WhenAll(workers);
        return 0;
    }
}
