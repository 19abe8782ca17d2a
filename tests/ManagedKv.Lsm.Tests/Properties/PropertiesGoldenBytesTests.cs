using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Version;
using ValueType = ManagedKv.Lsm.Keys.ValueType;

namespace ManagedKv.Lsm.Tests.Properties;

/// <summary>Pins the on-disk encodings this feature adds (FORMAT.md: range and MVCC properties, MANIFEST additions).</summary>
public sealed class PropertiesGoldenBytesTests
{
    [Fact]
    public void RangePropertiesEncoding()
    {
        var c = new RangePropertiesCollector(sizeDistance: 1000, keysDistance: 2);
        c.Add("a"u8, "x"u8, EntryType.Put, 9, 0);
        c.Add("b"u8, "x"u8, EntryType.Put, 8, 0);
        c.Add("c"u8, "x"u8, EntryType.Delete, 7, 0);
        // version 1, 2 samples: "a" (2 bytes, 1 entry) and "c" (6 bytes, 3 entries: two since "a").
        Assert.Equal("01020161020101630603", Convert.ToHexString(c.Finish()[RangeProperties.PropertyName]).ToLowerInvariant());
    }

    [Fact]
    public void MvccPropertiesEncoding()
    {
        var p = new MvccProperties
        {
            MinTimestamp = 5, MaxTimestamp = 300, NumRows = 2, NumPuts = 3, NumDeletes = 1, NumVersions = 4, MaxRowVersions = 3,
        };
        Assert.Equal("0105ac0202030100000403", Convert.ToHexString(p.Encode()).ToLowerInvariant());
    }

    [Fact]
    public void ManifestGlobalSequenceAndOptionNames()
    {
        var edit = new VersionEdit
        {
            OptionNames = new SortedDictionary<string, string>(StringComparer.Ordinal) { [ColumnFamilyOptionNames.TablePropertiesCollectors] = "R" },
        };
        edit.AddFile(0, new FileMetaData(7, 100, InternalKey.Create("a"u8, 5, ValueType.Value), InternalKey.Create("b"u8, 5, ValueType.Deletion), 5, 5, 5));
        byte[] encoded = edit.Encode();
        string expected =
            "10" + "00" + "07" + "64"                       // tag 16, level 0, file 7, 100 bytes
            + "09" + "61" + "0105000000000000"              // smallest ("a", 5, Value)
            + "09" + "62" + "0005000000000000"              // largest ("b", 5, Deletion)
            + "05" + "05" + "05"                            // smallest, largest and global seqno
            + "40" + "1f" + "01"                            // tag 64, 31 bytes, one name
            + "1b" + Convert.ToHexString("table_properties_collectors"u8).ToLowerInvariant() + "01" + "52";
        Assert.Equal(expected, Convert.ToHexString(encoded).ToLowerInvariant());

        VersionEdit decoded = VersionEdit.Decode(encoded, "MANIFEST-test", 0);
        (int level, FileMetaData f) = Assert.Single(decoded.NewFiles);
        Assert.Equal(0, level);
        Assert.Equal(5UL, f.GlobalSequence);
        Assert.Equal("R", decoded.OptionNames![ColumnFamilyOptionNames.TablePropertiesCollectors]);

        // A global sequence that disagrees with the file's sequence range is corruption.
        encoded[^35] = 0x06; // largest_seqno
        Assert.Throws<CorruptionException>(() => VersionEdit.Decode(encoded, "MANIFEST-test", 0));
    }

    [Fact]
    public void PlainFilesKeepTheOldTag()
    {
        var edit = new VersionEdit();
        edit.AddFile(1, new FileMetaData(7, 100, InternalKey.Create("a"u8, 5, ValueType.Value), InternalKey.Create("b"u8, 5, ValueType.Value), 5, 5));
        Assert.Equal(0x06, edit.Encode()[0]);
    }
}
