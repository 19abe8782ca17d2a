using ManagedKv.Lsm.Wal;

namespace ManagedKv.Lsm.Tests.Wal;

/// <summary>A temporary directory per test, plus helpers to write, damage and read back WAL files.</summary>
public sealed class WalTestDirectory : IDisposable
{
    public WalTestDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mkv-wal-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name = "000001.log") => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A test that left a writer open on purpose may still hold the file on some systems.
        }
    }

    internal static WalWriterOptions Options(bool mapped, long initial = 4L << 20, long max = 64L << 20) =>
        new() { UseMemoryMappedWrites = mapped, InitialPreallocationBytes = initial, MaxPreallocationBytes = max };

    /// <summary>Writes the records with the write() path (exact file bytes) and returns the offset of each.</summary>
    internal static long[] Write(string path, IReadOnlyList<byte[]> records, bool mapped = false)
    {
        var offsets = new long[records.Count];
        using WalWriter writer = WalWriter.Create(path, 1, Options(mapped));
        for (int i = 0; i < records.Count; i++)
        {
            offsets[i] = writer.Size;
            writer.AddRecord(records[i]);
        }
        return offsets;
    }

    /// <summary>Reads every record; returns them with the reader's counters.</summary>
    internal static (List<byte[]> Records, List<long> Offsets, long Dropped, long FirstDropOffset) ReadAll(string path, WalRecoveryMode mode)
    {
        var records = new List<byte[]>();
        var offsets = new List<long>();
        using var reader = new WalReader(path, 1, mode);
        while (reader.TryReadRecord(out ReadOnlySpan<byte> record, out long offset))
        {
            records.Add(record.ToArray());
            offsets.Add(offset);
        }
        return (records, offsets, reader.DroppedBytes, reader.FirstDropOffset);
    }

    internal static byte[] Big(string pattern, int length)
    {
        var result = new byte[length];
        for (int i = 0; i < length; i++)
        {
            result[i] = (byte)pattern[i % pattern.Length];
        }
        return result;
    }

    internal static byte[] Text(string s) => System.Text.Encoding.ASCII.GetBytes(s);

    /// <summary>Sets the type byte of the physical record at <paramref name="offset"/> and recomputes its checksum.</summary>
    internal static void SetTypeAndFixChecksum(string path, long offset, byte type)
    {
        byte[] bytes = System.IO.File.ReadAllBytes(path);
        bytes[offset + 6] = type;
        int length = bytes[offset + 4] | (bytes[offset + 5] << 8);
        uint checksum = Lsm.Util.Checksum.Compute(bytes.AsSpan((int)offset + 7, length), type);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)offset), checksum);
        System.IO.File.WriteAllBytes(path, bytes);
    }

    internal static void IncrementByte(string path, long offset, int delta)
    {
        byte[] bytes = System.IO.File.ReadAllBytes(path);
        bytes[offset] = (byte)(bytes[offset] + delta);
        System.IO.File.WriteAllBytes(path, bytes);
    }

    internal static void Shrink(string path, int bytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.SetLength(stream.Length - bytes);
    }
}
