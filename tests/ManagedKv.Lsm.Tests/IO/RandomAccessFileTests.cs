using ManagedKv.Lsm.Table;


namespace ManagedKv.Lsm.Tests.IO;

public sealed class RandomAccessFileTests
{
    private static byte[] WriteRandomFile(string path, int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        using (TableFileWriter writer = TableFileWriter.Create(path, 4096))
        {
            // Appends of mixed sizes: below, at and above the buffer size.
            int pos = 0;
            var rnd = new Random(seed + 1);
            while (pos < length)
            {
                int n = Math.Min(length - pos, rnd.Next(3) switch { 0 => rnd.Next(1, 100), 1 => rnd.Next(100, 4096), _ => rnd.Next(4096, 20000) });
                writer.Append(data.AsSpan(pos, n));
                pos += n;
                Assert.Equal(pos, writer.Position);
            }
            writer.Sync();
        }
        return data;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsMatchWhatTheWriterWrote(bool mmap)
    {
        using var dir = new TempDirectory();
        string path = dir.File("a.bin");
        byte[] data = WriteRandomFile(path, 200_000, 7);
        using IRandomAccessFile file = mmap ? MemoryMappedRandomAccessFile.Open(path) : RandomAccessFile.Open(path);
        Assert.Equal(data.Length, file.Length);
        var rnd = new Random(3);
        var buffer = new byte[5000];
        for (int i = 0; i < 200; i++)
        {
            int offset = rnd.Next(data.Length);
            int n = file.Read(offset, buffer);
            int expected = Math.Min(buffer.Length, data.Length - offset);
            Assert.Equal(expected, n);
            Assert.True(buffer.AsSpan(0, n).SequenceEqual(data.AsSpan(offset, n)));
        }
        Assert.Equal(0, file.Read(data.Length, buffer));
        unsafe
        {
            Assert.Equal(mmap, file.TryGetPointer(100, 50, out byte* pointer));
            if (mmap)
            {
                Assert.True(new ReadOnlySpan<byte>(pointer, 50).SequenceEqual(data.AsSpan(100, 50)));
                Assert.False(file.TryGetPointer(data.Length - 10, 11, out _));
            }
        }
    }

    [Fact]
    public void EmptyFileCanBeMapped()
    {
        using var dir = new TempDirectory();
        string path = dir.File("empty.bin");
        File.WriteAllBytes(path, []);
        using var file = MemoryMappedRandomAccessFile.Open(path);
        Assert.Equal(0, file.Length);
        Assert.Equal(0, file.Read(0, new byte[10]));
        unsafe
        {
            Assert.False(file.TryGetPointer(0, 1, out _));
        }
    }

    [Fact]
    public void DisposeWithoutFlushDropsBufferedBytes()
    {
        using var dir = new TempDirectory();
        string path = dir.File("b.bin");
        TableFileWriter writer = TableFileWriter.Create(path);
        writer.Append(new byte[100]);
        writer.DisposeWithoutFlush();
        Assert.Equal(0, new FileInfo(path).Length);
        Assert.Throws<ObjectDisposedException>(() => writer.Append(new byte[1]));
    }

    [Fact]
    public void FaultInjectingFileFlipsAndFails()
    {
        using var dir = new TempDirectory();
        string path = dir.File("c.bin");
        byte[] data = WriteRandomFile(path, 10_000, 9);
        using var file = new FaultInjectingFile(RandomAccessFile.Open(path)) { FlipOffset = 1234 };
        var buffer = new byte[100];
        file.Read(1200, buffer);
        Assert.Equal(data[1234] ^ 0x40, buffer[34]);
        file.FailFrom = 5000;
        file.FailTo = 5001;
        Assert.Throws<IOException>(() => file.Read(4950, buffer));
        Assert.Equal(100, file.Read(5001, buffer));
    }
}
