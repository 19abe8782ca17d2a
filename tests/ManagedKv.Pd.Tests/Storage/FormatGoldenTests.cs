// Pins src/Pd/FORMAT.md: every key and value PD writes, byte for byte, read back from the raw LSM database.
using System.Text;
using Google.Protobuf;
using ManagedKv.Lsm;
using ManagedKv.Pd.Storage;
using ManagedKv.Pd.Tests.Util;

namespace ManagedKv.Pd.Tests.Storage;

public sealed class FormatGoldenTests
{
    private static string Dump(LsmDb db)
    {
        var sb = new StringBuilder();
        using LsmIterator it = db.NewIterator();
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            sb.Append(Convert.ToHexString(it.Key)).Append(" = ").Append(Convert.ToHexString(it.Value)).Append('\n');
        }
        return sb.ToString();
    }

    private static string Hex(string ascii) => Convert.ToHexString(Encoding.ASCII.GetBytes(ascii));

    [Fact]
    public void Version1LayoutIsPinned()
    {
        using var dir = new TempDir();
        using var storage = PdStorage.Open(dir.Path);
        storage.SaveClusterId(0x0102030405060708);
        storage.SaveMemberId(0x1112131415161718);
        storage.SaveTsoBound(0x0000018BCFE56800);
        storage.SaveIdBound(2000);
        storage.SaveGcSafePoint(0x0A0B);
        storage.SaveBootstrap(
            new Metapb.Cluster { Id = 5, MaxPeerCount = 3 },
            new Metapb.Store { Id = 1, Address = "a" },
            new Metapb.Region
            {
                Id = 2,
                RegionEpoch = new Metapb.RegionEpoch { ConfVer = 1, Version = 1 },
                Peers = { new Metapb.Peer { Id = 3, StoreId = 1 } },
            });
        storage.SaveRegion(new Metapb.Region { Id = 0x0100, StartKey = ByteString.CopyFromUtf8("k") }, null);

        string expected =
            Hex("meta/cluster") + " = 08051003\n" +
            Hex("meta/cluster_id") + " = 0807060504030201\n" +
            Hex("meta/format_version") + " = 01000000\n" +
            Hex("meta/gc_safe_point") + " = 0B0A000000000000\n" +
            Hex("meta/id_bound") + " = D007000000000000\n" +
            Hex("meta/member_id") + " = 1817161514131211\n" +
            Hex("meta/tso_bound") + " = 0068E5CF8B010000\n" +
            Hex("region/") + "0000000000000002 = 08022204080110012A0408031001\n" +
            Hex("region/") + "0000000000000100 = 088002" + "12016B" + "\n" +
            Hex("store/") + "0000000000000001 = 0801120161\n";
        Assert.Equal(expected, Dump(storage.Db));

        Assert.Equal(0x0102030405060708UL, storage.LoadClusterId());
        Assert.Equal(0x0000018BCFE56800L, storage.LoadTsoBound());
        Assert.Equal([2UL, 0x100UL], storage.LoadRegions().ConvertAll(r => r.Id));
        Assert.Equal("a", Assert.Single(storage.LoadStores()).Address);
    }

    [Fact]
    public void RegionRecordsAreDeletedWithTheirReplacement()
    {
        using var dir = new TempDir();
        using var storage = PdStorage.Open(dir.Path);
        storage.SaveRegion(new Metapb.Region { Id = 1 }, null);
        storage.SaveRegion(new Metapb.Region { Id = 2 }, null);
        storage.SaveRegion(new Metapb.Region { Id = 3 }, [1, 2]);
        Assert.Equal([3UL], storage.LoadRegions().ConvertAll(r => r.Id));
    }

    [Fact]
    public void UnknownFormatVersionFailsTheOpen()
    {
        using var dir = new TempDir();
        using (var storage = PdStorage.Open(dir.Path))
        {
            storage.Db.Put("meta/format_version"u8, [2, 0, 0, 0]);
        }
        var e = Assert.Throws<PdMetadataCorruptionException>(() => PdStorage.Open(dir.Path));
        Assert.Equal("meta/format_version", e.Key);
        Assert.Contains("unknown format version 2", e.Reason);
    }

    [Fact]
    public void BadValuesAreReportedWithTheirKey()
    {
        using var dir = new TempDir();
        using var storage = PdStorage.Open(dir.Path);
        storage.Db.Put("meta/tso_bound"u8, [1, 2, 3]);
        var e = Assert.Throws<PdMetadataCorruptionException>(() => storage.LoadTsoBound());
        Assert.Equal("meta/tso_bound", e.Key);
        Assert.Contains("3 bytes, expected 8", e.Reason);

        storage.Db.Put(PdStorage.IdKey("region/"u8, 7), [0xFF, 0xFF, 0xFF]);
        e = Assert.Throws<PdMetadataCorruptionException>(() => storage.LoadRegions());
        Assert.Equal("region/\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x07", e.Key);

        storage.Db.Delete(PdStorage.IdKey("region/"u8, 7));
        storage.Db.Put(PdStorage.IdKey("region/"u8, 8), new Metapb.Region { Id = 9 }.ToByteArray());
        e = Assert.Throws<PdMetadataCorruptionException>(() => storage.LoadRegions());
        Assert.Contains("record holds id 9, key says 8", e.Reason);
    }
}
