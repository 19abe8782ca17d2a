using System.Text;

namespace ManagedKv.Lsm.Tests.Db;

/// <summary>Bytes flipped on purpose in an SST and in the MANIFEST: the engine reports it and never returns wrong data.</summary>
public sealed class CorruptionTests
{
    private static byte[] Key(int i) => Encoding.ASCII.GetBytes($"key{i:D6}");

    private static byte[] Value(int i) => Encoding.ASCII.GetBytes($"value-{i}-" + new string('x', 40));

    private static void Fill(string path, int count)
    {
        using LsmDb db = LsmDb.Open(path, TestOptions.Small());
        for (int i = 0; i < count; i++)
        {
            db.Put(Key(i), Value(i));
        }
        db.Flush();
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.5)]
    [InlineData(0.97)]
    public void FlippedByteInSstIsReportedNeverReturned(double where)
    {
        using var dir = new TempDir();
        Fill(dir.Path, 500);
        string sst = Directory.GetFiles(dir.Path, "*.sst").OrderByDescending(f => new FileInfo(f).Length).First();
        byte[] bytes = File.ReadAllBytes(sst);
        int offset = (int)(bytes.Length * where);
        bytes[offset] ^= 0x40;
        File.WriteAllBytes(sst, bytes);

        int corrupt = 0;
        try
        {
            using LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small(create: false));
            for (int i = 0; i < 500; i++)
            {
                try
                {
                    byte[]? v = db.Get(Key(i));
                    // A value that comes back is the right one.
                    Assert.True(Value(i).AsSpan().SequenceEqual(v), $"key {i}: wrong value returned");
                }
                catch (CorruptionException e)
                {
                    Assert.Equal(sst, e.FilePath);
                    corrupt++;
                }
            }
            try
            {
                using LsmIterator it = db.NewIterator();
                int n = 0;
                for (it.SeekToFirst(); it.Valid; it.Next())
                {
                    Assert.True(Value(n).AsSpan().SequenceEqual(it.Value));
                    n++;
                }
            }
            catch (CorruptionException e)
            {
                Assert.Equal(sst, e.FilePath);
                corrupt++;
            }
        }
        catch (CorruptionException e)
        {
            // Damage in the footer, index or properties is found when the table is opened.
            Assert.Equal(sst, e.FilePath);
            corrupt++;
        }
        Assert.True(corrupt > 0, "the flipped byte went unnoticed");
    }

    [Fact]
    public void FlippedByteInManifestFailsOpen()
    {
        using var dir = new TempDir();
        Fill(dir.Path, 100);
        string manifest = Directory.GetFiles(dir.Path, "MANIFEST-*").Single();
        byte[] bytes = File.ReadAllBytes(manifest);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(manifest, bytes);
        CorruptionException e = Assert.Throws<CorruptionException>(() => LsmDb.Open(dir.Path, TestOptions.Small(create: false)));
        Assert.Equal(manifest, e.FilePath);
    }

    [Fact]
    public void MissingSstFailsClearly()
    {
        using var dir = new TempDir();
        Fill(dir.Path, 100);
        string sst = Directory.GetFiles(dir.Path, "*.sst").First();
        File.Delete(sst);
        // Open loads the live tables' readers (as RocksDB does), so a missing file fails the open, naming the file.
        IOException e = Assert.ThrowsAny<IOException>(() => LsmDb.Open(dir.Path, TestOptions.Small(create: false)).Dispose());
        Assert.Contains(Path.GetFileName(sst), e.Message);
    }
}
