using System.Buffers.Binary;
using System.Text;
using ManagedKv.Lsm.Tests.Db;

namespace ManagedKv.Lsm.Tests.Properties;

/// <summary>The MVCC statistics seam with a toy decoder (row key + 8-byte big-endian timestamp; value byte 'P'/'D'/'L').</summary>
public sealed class MvccPropertiesTests
{
    private sealed class ToyDecoder : IMvccEntryDecoder
    {
        public bool TryDecode(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, EntryType type, out MvccEntry entry)
        {
            entry = default;
            if (key.Length < 8 || type != EntryType.Put || value.IsEmpty)
            {
                return false;
            }
            MvccEntryKind kind = value[0] switch
            {
                (byte)'P' => MvccEntryKind.Put,
                (byte)'D' => MvccEntryKind.Delete,
                (byte)'L' => MvccEntryKind.Lock,
                _ => MvccEntryKind.Other,
            };
            entry = new MvccEntry(key.Length - 8, ~BinaryPrimitives.ReadUInt64BigEndian(key[^8..]), kind);
            return true;
        }
    }

    private static byte[] Key(string row, ulong ts)
    {
        byte[] r = Encoding.UTF8.GetBytes(row);
        var k = new byte[r.Length + 8];
        r.CopyTo(k, 0);
        BinaryPrimitives.WriteUInt64BigEndian(k.AsSpan(r.Length), ~ts);
        return k;
    }

    [Fact]
    public void CollectsRowsVersionsAndTimestampsOfFlushedFiles()
    {
        using var dir = new TempDir();
        DbOptions o = TestOptions.Small();
        o.DefaultColumnFamilyOptions.TablePropertiesCollectorFactories.Add(new MvccPropertiesCollectorFactory(new ToyDecoder()));
        using LsmDb db = LsmDb.Open(dir.Path, o);
        db.Put(Key("a", 10), "P"u8);
        db.Put(Key("a", 20), "D"u8);
        db.Put(Key("a", 30), "P"u8);
        db.Put(Key("b", 15), "L"u8);
        db.Put(Key("c", 5), "P"u8);
        db.Put("short"u8, "P"u8); // not an MVCC key: skipped
        db.Flush();

        var total = new MvccProperties();
        IReadOnlyDictionary<string, TableProperties> tables = db.GetPropertiesOfTablesInRange(db.DefaultColumnFamily, [new KeyRange(null, null)]);
        foreach (TableProperties p in tables.Values)
        {
            Assert.True(MvccProperties.TryGet(p, out MvccProperties? m));
            total.Add(m!);
        }
        Assert.Equal(5UL, total.MinTimestamp);
        Assert.Equal(30UL, total.MaxTimestamp);
        Assert.Equal(3, total.NumRows);
        Assert.Equal(5, total.NumVersions);
        Assert.Equal(3, total.NumPuts);
        Assert.Equal(1, total.NumDeletes);
        Assert.Equal(1, total.NumLocks);
        Assert.Equal(3, total.MaxRowVersions);
        Assert.Empty(db.GetPropertiesOfTablesInRange(db.DefaultColumnFamily, [new KeyRange("x"u8.ToArray(), null)]));
    }
}
