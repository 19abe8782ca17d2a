using System.Globalization;

namespace ManagedKv.Perf.Txn;

/// <summary>Options of the `txn` benchmark, parsed from <c>--name value</c> / <c>--name=value</c>.</summary>
internal sealed class TxnBenchOptions
{
    public const string Usage = """
        usage: dotnet run -c Release --project perf -- txn [options]

        Transactions/s and point reads/s of src/Txn over a local LsmKvEngine (no Raft), with allocated bytes per
        operation (every thread's allocations, background work included, divided by the operations).

          --cases a,b         2pc,async,1pc,get,get-noprefix (default: all)
          --keys-per-txn a,b  keys written per transaction (1,10)
          --threads a,b       client threads (1,16)
          --seconds N         measured seconds per case (3)      --warmup N   untimed seconds before each case (1)
          --key-space N       distinct keys written and read (200000)
          --value-size N      bytes per value (64; above 255 the value goes to the default CF)
          --sync              sync the WAL on every write (default off, as TiKV's kv engine)
          --write-buffer-mb N memtable size per CF (4: the read cases then meet several SST levels)
          --dir DIR           database folder (default: a fresh folder under the temp folder, deleted after)
        """;

    public string[] Cases { get; private set; } = ["2pc", "async", "1pc", "get", "get-noprefix"];

    public int[] KeysPerTxn { get; private set; } = [1, 10];

    public int[] Threads { get; private set; } = [1, 16];

    public double Seconds { get; private set; } = 3;

    public double WarmupSeconds { get; private set; } = 1;

    public int KeySpace { get; private set; } = 200_000;

    public int ValueSize { get; private set; } = 64;

    public bool Sync { get; private set; }

    public int WriteBufferMb { get; private set; } = 4;

    public string? Directory { get; private set; }

    /// <summary>Parses <paramref name="args"/>; null (after printing why) when they are invalid or help was asked.</summary>
    public static TxnBenchOptions? Parse(string[] args)
    {
        var o = new TxnBenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string? value = null;
            int eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            if (name is "-h" or "--help")
            {
                Console.WriteLine(Usage);
                return null;
            }
            if (name == "--sync")
            {
                o.Sync = true;
                continue;
            }
            if (value is null)
            {
                if (i + 1 >= args.Length)
                {
                    Console.Error.WriteLine($"txn: {name} needs a value\n{Usage}");
                    return null;
                }
                value = args[++i];
            }
            switch (name)
            {
                case "--cases":
                    o.Cases = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                case "--keys-per-txn":
                    o.KeysPerTxn = Ints(value);
                    break;
                case "--threads":
                    o.Threads = Ints(value);
                    break;
                case "--seconds":
                    o.Seconds = double.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--warmup":
                    o.WarmupSeconds = double.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--key-space":
                    o.KeySpace = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--value-size":
                    o.ValueSize = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--write-buffer-mb":
                    o.WriteBufferMb = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--dir":
                    o.Directory = value;
                    break;
                default:
                    Console.Error.WriteLine($"txn: unknown option {name}\n{Usage}");
                    return null;
            }
        }
        foreach (string c in o.Cases)
        {
            if (c is not ("2pc" or "async" or "1pc" or "get" or "get-noprefix"))
            {
                Console.Error.WriteLine($"txn: unknown case {c}\n{Usage}");
                return null;
            }
        }
        return o;
    }

    private static int[] Ints(string value) =>
        Array.ConvertAll(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            s => int.Parse(s, CultureInfo.InvariantCulture));
}
