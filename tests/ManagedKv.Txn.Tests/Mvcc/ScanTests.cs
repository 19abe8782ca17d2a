using System.Text;
using static ManagedKv.Txn.Tests.TxnTestContext;

namespace ManagedKv.Txn.Tests.Mvcc;

public sealed class ScanTests
{
    private static string Render(ScanResponse r)
    {
        var sb = new StringBuilder();
        foreach (KvPair p in r.Pairs)
        {
            sb.Append(Encoding.UTF8.GetString(p.Key));
            sb.Append(p.Error is null ? "=" + Encoding.UTF8.GetString(p.Value) : "!locked");
            sb.Append(' ');
        }
        return sb.ToString().TrimEnd();
    }

    private static TxnTestContext Fixture()
    {
        var t = new TxnTestContext();
        t.MustPut("a", "1", 10, 11);
        t.MustPut("b", "2", 10, 11);
        t.MustPut("c", "3", 10, 11);
        t.MustPut("d", "4", 10, 11);
        t.MustPrewriteDelete("b", "b", 20);
        t.MustCommit("b", 20, 21);
        t.MustPrewritePut("c", "33", "c", 30); // locked at 30
        t.Prewrite([Mutation.LockOnly(B("d"))], "d", 30);
        t.MustCommit("d", 30, 31);
        t.MustRollback("e", 40);
        t.MustPut("f", new string('F', 300), 10, 11);
        return t;
    }

    [Fact]
    public void ForwardScanSkipsDeletesLockRecordsAndRollbacksAndReportsLocks()
    {
        using TxnTestContext t = Fixture();
        ScanResponse r = t.Storage.Scan(new ScanRequest { Version = 50, Limit = 100 });
        Assert.Equal("a=1 c!locked d=4 f=" + new string('F', 300), Render(r));
        Assert.Equal("a=1 b=2 c=3 d=4", Render(t.Storage.Scan(new ScanRequest { Version = 15, Limit = 4 })));
        Assert.Equal("a=1 b=2", Render(t.Storage.Scan(new ScanRequest { Version = 15, Limit = 2 })));
        Assert.Equal("b=2 c=3", Render(t.Storage.Scan(new ScanRequest { Version = 15, StartKey = B("b"), EndKey = B("d") })));
        Assert.Equal("a=1 c=3 d=4", Render(t.Storage.Scan(new ScanRequest { Version = 25, EndKey = B("e") })));
        ScanResponse keyOnly = t.Storage.Scan(new ScanRequest { Version = 15, KeyOnly = true, Limit = 1 });
        Assert.Empty(Assert.Single(keyOnly.Pairs).Value);
    }

    [Fact]
    public void ReverseScanWalksDownFromTheExclusiveUpperBound()
    {
        using TxnTestContext t = Fixture();
        Assert.Equal("d=4 c!locked a=1", Render(t.Storage.Scan(new ScanRequest { Version = 50, Reverse = true, StartKey = B("e") })));
        Assert.Equal("d=4 c=3 b=2 a=1", Render(t.Storage.Scan(new ScanRequest { Version = 15, Reverse = true, StartKey = B("e") })));
        Assert.Equal("c=3 b=2", Render(t.Storage.Scan(new ScanRequest { Version = 15, Reverse = true, StartKey = B("d"), EndKey = B("b") })));
        Assert.Equal("f=" + new string('F', 300) + " d=4", Render(t.Storage.Scan(new ScanRequest { Version = 15, Reverse = true, Limit = 2 })));
    }

    [Fact]
    public void RandomScansMatchPointReads()
    {
        int seed = Environment.TickCount;
        var rnd = new Random(seed);
        using var t = new TxnTestContext();
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        ulong ts = 10;
        for (int i = 0; i < 150; i++)
        {
            string k = "k" + rnd.Next(40).ToString("D2") + (rnd.Next(3) == 0 ? "\0x" : "");
            keys.Add(k);
            if (rnd.Next(4) == 0)
            {
                t.MustPrewriteDelete(k, k, ts);
            }
            else
            {
                t.MustPrewritePut(k, "v" + i + new string('p', rnd.Next(2) * 300), k, ts);
            }
            t.MustCommit(k, ts, ts + 1);
            ts += 2;
        }
        for (int round = 0; round < 30; round++)
        {
            ulong readTs = (ulong)rnd.Next(5, (int)ts + 5);
            var expected = new List<string>();
            foreach (string k in keys)
            {
                GetResponse g = t.Get(k, readTs);
                if (!g.NotFound)
                {
                    expected.Add(k + "=" + Encoding.UTF8.GetString(g.Value));
                }
            }
            string forward = Render(t.Storage.Scan(new ScanRequest { Version = readTs }));
            Assert.True(string.Join(" ", expected) == forward, $"seed {seed} ts {readTs}");
            expected.Reverse();
            string reverse = Render(t.Storage.Scan(new ScanRequest { Version = readTs, Reverse = true }));
            Assert.True(string.Join(" ", expected) == reverse, $"seed {seed} ts {readTs} reverse");
        }
    }
}
