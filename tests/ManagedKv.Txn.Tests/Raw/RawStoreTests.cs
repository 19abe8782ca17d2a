using System.Text;
using static ManagedKv.Txn.Tests.TxnTestContext;

namespace ManagedKv.Txn.Tests.Raw;

public sealed class RawStoreTests
{
    private static string S(byte[]? v) => v is null ? "<none>" : Encoding.UTF8.GetString(v);

    [Fact]
    public void ValueFormatGoldenBytes()
    {
        Assert.Equal("0078", Convert.ToHexString(RawValue.Encode("x"u8, 0)));
        Assert.Equal("01640000000000000078", Convert.ToHexString(RawValue.Encode("x"u8, 100)));
        Assert.Throws<MvccFormatException>(() => RawValue.Decode([0x02, 0x78], [1], out _));
        Assert.Throws<MvccFormatException>(() => RawValue.Decode([0x01, 0x78], [1], out _));
        Assert.Throws<MvccFormatException>(() => RawValue.Decode([], [1], out _));
    }

    [Fact]
    public void PutGetDeleteAndBatches()
    {
        using var t = new TxnTestContext();
        var raw = new RawStore(t.Engine);
        raw.Put(B("a"), B("1"));
        raw.BatchPut([new KvPair { Key = B("b"), Value = B("2") }, new KvPair { Key = B("c"), Value = B("3") }]);
        Assert.Equal("1", S(raw.Get(B("a"))));
        Assert.Equal(["b", "c"], raw.BatchGet([B("b"), B("x"), B("c")]).Select(p => S(p.Key)));
        raw.BatchDelete([B("a"), B("b")]);
        Assert.Null(raw.Get(B("a")));
        Assert.Equal(["c"], raw.Scan([], [], 0).Select(p => S(p.Key)));
        // Raw data lives apart from transactional data.
        t.MustGetNone("c", TimeStamp.Max - 1);
        t.MustPut("c", "txn", 10, 11);
        Assert.Equal("3", S(raw.Get(B("c"))));
    }

    [Fact]
    public void TtlHidesExpiredValues()
    {
        using var t = new TxnTestContext();
        long now = 1_000_000;
        var raw = new RawStore(t.Engine, () => now);
        raw.Put(B("k"), B("v"), ttlSeconds: 10);
        raw.BatchPut([new KvPair { Key = B("p"), Value = B("1") }, new KvPair { Key = B("q"), Value = B("2") }], [5, 0]);
        Assert.Equal(10UL, raw.GetKeyTtl(B("k")));
        Assert.Equal(0UL, raw.GetKeyTtl(B("q")));
        now += 6;
        Assert.Equal(4UL, raw.GetKeyTtl(B("k")));
        Assert.Null(raw.Get(B("p")));
        Assert.Null(raw.GetKeyTtl(B("p")));
        Assert.Equal(["k", "q"], raw.Scan([], [], 0).Select(p => S(p.Key)));
        now += 4;
        Assert.Null(raw.Get(B("k")));
        Assert.Equal(["q"], raw.Scan([], [], 0).Select(p => S(p.Key)));
        Assert.Throws<ArgumentException>(() => raw.BatchPut([new KvPair { Key = B("a") }, new KvPair { Key = B("b") }, new KvPair { Key = B("c") }], [1, 2]));
    }

    [Fact]
    public void ScanForwardReverseWithLimitsAndDeleteRange()
    {
        using var t = new TxnTestContext();
        var raw = new RawStore(t.Engine);
        for (int i = 0; i < 10; i++)
        {
            raw.Put(B($"k{i}"), B($"v{i}"));
        }
        Assert.Equal(["k2", "k3", "k4"], raw.Scan(B("k2"), B("k5"), 0).Select(p => S(p.Key)));
        Assert.Equal(["k2", "k3"], raw.Scan(B("k2"), B("k5"), 2).Select(p => S(p.Key)));
        Assert.Equal(["k4", "k3", "k2"], raw.Scan(B("k5"), B("k2"), 0, reverse: true).Select(p => S(p.Key)));
        Assert.Equal(["k9", "k8"], raw.Scan([], [], 2, reverse: true).Select(p => S(p.Key)));
        Assert.All(raw.Scan([], [], 0, keyOnly: true), p => Assert.Empty(p.Value));
        raw.DeleteRange(B("k3"), B("k8"));
        Assert.Equal(["k0", "k1", "k2", "k8", "k9"], raw.Scan([], [], 0).Select(p => S(p.Key)));
        raw.DeleteRange(B("k1"), B("k1")); // empty range
        Assert.Equal(5, raw.Scan([], [], 0).Count);
        Assert.Throws<ArgumentException>(() => raw.DeleteRange(B("k5"), B("k1")));
        raw.DeleteRange(B("k1"), []);
        Assert.Equal(["k0"], raw.Scan([], [], 0).Select(p => S(p.Key)));
        raw.DeleteRange([], []);
        Assert.Empty(raw.Scan([], [], 0));
    }

    [Fact]
    public void CompareAndSwap()
    {
        using var t = new TxnTestContext();
        var raw = new RawStore(t.Engine);
        RawCasResult r = raw.CompareAndSwap(B("k"), B("1"), previousNotExist: true, previousValue: null);
        Assert.True(r.Succeed);
        Assert.True(r.PreviousNotExist);
        r = raw.CompareAndSwap(B("k"), B("2"), previousNotExist: true, previousValue: null);
        Assert.False(r.Succeed);
        Assert.Equal("1", S(r.PreviousValue));
        r = raw.CompareAndSwap(B("k"), B("2"), previousNotExist: false, previousValue: B("9"));
        Assert.False(r.Succeed);
        r = raw.CompareAndSwap(B("k"), B("2"), previousNotExist: false, previousValue: B("1"));
        Assert.True(r.Succeed);
        Assert.Equal("2", S(raw.Get(B("k"))));
        r = raw.CompareAndSwap(B("k"), [], previousNotExist: false, previousValue: B("2"), delete: true);
        Assert.True(r.Succeed);
        Assert.Null(raw.Get(B("k")));
    }

    [Fact]
    public void ConcurrentCasIncrementsLoseNothing()
    {
        using var t = new TxnTestContext();
        var raw = new RawStore(t.Engine);
        raw.Put(B("n"), BitConverter.GetBytes(0L));
        const int threads = 4;
        const int increments = 200;
        Parallel.For(0, threads, _ =>
        {
            for (int i = 0; i < increments; i++)
            {
                while (true)
                {
                    byte[] cur = raw.Get(B("n"))!;
                    byte[] next = BitConverter.GetBytes(BitConverter.ToInt64(cur) + 1);
                    if (raw.CompareAndSwap(B("n"), next, false, cur).Succeed)
                    {
                        break;
                    }
                }
            }
        });
        Assert.Equal(threads * increments, BitConverter.ToInt64(raw.Get(B("n"))!));
    }
}
