using ManagedKv.Lsm.Wal;

namespace ManagedKv.Lsm.Tests.Wal;

/// <summary>Pins the WAL format (FORMAT-WAL.md) byte for byte: a change here is a format change.</summary>
public sealed class WalGoldenBytesTests : IDisposable
{
    private readonly WalTestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // Records "" and "abc": two Full physical records.
    //   checksum (xxh3-low32 of the fragment seeded with the type) | length u16 LE | type
    private const string Golden =
        "03676F82" + "0000" + "01" +            // "": checksum 0x826F6703, length 0, Full
        "2862C743" + "0300" + "01" + "616263";  // "abc": checksum 0x43C76228, length 3, Full

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TinyLogMatchesGoldenBytes(bool mapped)
    {
        string path = _dir.File();
        using (WalWriter writer = WalWriter.Create(path, 1, WalTestDirectory.Options(mapped)))
        {
            writer.AddRecord([]);
            writer.AddRecord("abc"u8);
        }
        Assert.Equal(Golden, Convert.ToHexString(File.ReadAllBytes(path)));
    }
}
