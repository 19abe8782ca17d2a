using System.Globalization;
using Google.Protobuf;
using Kvrpcpb;
using static ManagedKv.Node.Tests.Server.TikvTestCluster;

namespace ManagedKv.Node.Tests.Server;

public sealed class TikvServiceRandomTests
{
    private static ByteString B(string s) => ByteString.CopyFromUtf8(s);

    private static string K(Random rng) => "k" + rng.Next(30).ToString("D2", CultureInfo.InvariantCulture);

    /// <summary>Random Raw* calls over gRPC against a sorted-dictionary model: scans with random bounds, limit,
    /// key_only and reverse check the request mapping; seed printed on failure (MANAGEDKV_SEED, MANAGEDKV_SOAK).</summary>
    [Fact]
    public async Task RandomRawCalls_MatchAModel()
    {
        string? env = Environment.GetEnvironmentVariable("MANAGEDKV_SEED");
        int seed = env is null ? Random.Shared.Next() : int.Parse(env, CultureInfo.InvariantCulture);
        int steps = Environment.GetEnvironmentVariable("MANAGEDKV_SOAK") == "1" ? 3000 : 250;
        var rng = new Random(seed);
        var model = new SortedDictionary<string, string>(StringComparer.Ordinal);
        await using TikvTestCluster cluster = await StartAsync(null, ("", ""));
        Tikvpb.Tikv.TikvClient c = cluster.Client(cluster.WaitForLeaders()[0]);
        for (int i = 0; i < steps; i++)
        {
            int op = rng.Next(10);
            string at = $"seed {seed} step {i} op {op}";
            switch (op)
            {
                case 0 or 1:
                {
                    string key = K(rng);
                    string value = "v" + i.ToString(CultureInfo.InvariantCulture);
                    RawPutResponse r = await c.RawPutAsync(new RawPutRequest { Context = Ctx(1), Key = B(key), Value = B(value) });
                    Assert.True(r.RegionError is null && r.Error.Length == 0, at + ": " + r);
                    model[key] = value;
                    break;
                }

                case 2:
                {
                    var req = new RawBatchPutRequest { Context = Ctx(1) };
                    var keys = new HashSet<string>(StringComparer.Ordinal);
                    for (int n = rng.Next(1, 5); n > 0; n--)
                    {
                        keys.Add(K(rng));
                    }

                    foreach (string key in keys)
                    {
                        req.Pairs.Add(new KvPair { Key = B(key), Value = B("b" + i.ToString(CultureInfo.InvariantCulture)) });
                        model[key] = "b" + i.ToString(CultureInfo.InvariantCulture);
                    }

                    RawBatchPutResponse r = await c.RawBatchPutAsync(req);
                    Assert.True(r.RegionError is null && r.Error.Length == 0, at + ": " + r);
                    break;
                }

                case 3:
                {
                    string key = K(rng);
                    RawDeleteResponse r = await c.RawDeleteAsync(new RawDeleteRequest { Context = Ctx(1), Key = B(key) });
                    Assert.True(r.RegionError is null && r.Error.Length == 0, at + ": " + r);
                    model.Remove(key);
                    break;
                }

                case 4:
                {
                    string a = K(rng), b = K(rng);
                    (string lo, string hi) = string.CompareOrdinal(a, b) <= 0 ? (a, b) : (b, a);
                    RawDeleteRangeResponse r = await c.RawDeleteRangeAsync(new RawDeleteRangeRequest { Context = Ctx(1), StartKey = B(lo), EndKey = B(hi) });
                    Assert.True(r.RegionError is null && r.Error.Length == 0, at + ": " + r);
                    foreach (string key in model.Keys.Where(k => string.CompareOrdinal(k, lo) >= 0 && string.CompareOrdinal(k, hi) < 0).ToList())
                    {
                        model.Remove(key);
                    }

                    break;
                }

                case 5:
                {
                    string key = K(rng);
                    bool expectAbsent = rng.Next(3) == 0;
                    string previous = model.TryGetValue(key, out string? cur) && rng.Next(2) == 0 ? cur : "other";
                    RawCASResponse r = await c.RawCompareAndSwapAsync(new RawCASRequest
                    {
                        Context = Ctx(1), Key = B(key), Value = B("c" + i.ToString(CultureInfo.InvariantCulture)),
                        PreviousNotExist = expectAbsent, PreviousValue = B(previous),
                    });
                    Assert.True(r.RegionError is null && r.Error.Length == 0, at + ": " + r);
                    bool matches = expectAbsent ? cur is null : cur == previous;
                    Assert.True(matches == r.Succeed, $"{at}: CAS {key} succeed {r.Succeed}, model {cur ?? "<absent>"}");
                    Assert.Equal(cur is null, r.PreviousNotExist);
                    Assert.Equal(cur ?? "", r.PreviousValue.ToStringUtf8());
                    if (matches)
                    {
                        model[key] = "c" + i.ToString(CultureInfo.InvariantCulture);
                    }

                    break;
                }

                case 6:
                {
                    string key = K(rng);
                    RawGetResponse r = await c.RawGetAsync(new RawGetRequest { Context = Ctx(1), Key = B(key) });
                    Assert.True(r.RegionError is null && r.Error.Length == 0, at + ": " + r);
                    Assert.True(model.TryGetValue(key, out string? v) ? !r.NotFound && r.Value.ToStringUtf8() == v : r.NotFound, $"{at}: get {key}: {r}");
                    break;
                }

                default:
                {
                    string start = rng.Next(4) == 0 ? "" : K(rng), end = rng.Next(4) == 0 ? "" : K(rng);
                    uint limit = (uint)rng.Next(1, 12);
                    bool reverse = rng.Next(2) == 0, keyOnly = rng.Next(3) == 0;
                    RawScanResponse r = await c.RawScanAsync(new RawScanRequest
                    {
                        Context = Ctx(1), StartKey = B(start), EndKey = B(end), Limit = limit, Reverse = reverse, KeyOnly = keyOnly,
                    });
                    Assert.Null(r.RegionError);
                    IEnumerable<KeyValuePair<string, string>> expected = reverse
                        ? model.Reverse().Where(p => (start.Length == 0 || string.CompareOrdinal(p.Key, start) < 0) && string.CompareOrdinal(p.Key, end) >= 0)
                        : model.Where(p => string.CompareOrdinal(p.Key, start) >= 0 && (end.Length == 0 || string.CompareOrdinal(p.Key, end) < 0));
                    List<string> want = expected.Take((int)limit).Select(p => p.Key + "=" + (keyOnly ? "" : p.Value)).ToList();
                    List<string> got = r.Kvs.Select(p => p.Key.ToStringUtf8() + "=" + p.Value.ToStringUtf8()).ToList();
                    Assert.True(want.SequenceEqual(got), $"{at}: scan [{start},{end}) limit {limit} reverse {reverse} keyOnly {keyOnly}: want {string.Join(",", want)} got {string.Join(",", got)}");
                    break;
                }
            }
        }
    }
}
