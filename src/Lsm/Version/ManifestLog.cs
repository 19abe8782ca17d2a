using Microsoft.Win32.SafeHandles;
using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm.Version;

/// <summary>
/// The MANIFEST file: a sequence of records <c>fixed32 checksum | fixed32 length | payload</c>, the checksum
/// (xxh3-low32, tag 0) covering the length field and the payload (FORMAT.md, "MANIFEST"). Each payload is one
/// encoded <see cref="VersionEdit"/>. Writes are appended with one positional write and synced before the
/// edit takes effect. Used by one thread at a time (the DB mutex).
/// </summary>
internal sealed class ManifestLog : IDisposable
{
    public const int HeaderSize = 8;

    private readonly SafeFileHandle _handle;
    private long _size;

    private ManifestLog(string path, SafeFileHandle handle, long size)
    {
        Path = path;
        _handle = handle;
        _size = size;
    }

    public string Path { get; }

    public long Size => _size;

    public static ManifestLog Create(string path)
    {
        SafeFileHandle h = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        return new ManifestLog(path, h, 0);
    }

    /// <summary>Appends one record and syncs it.</summary>
    public void AddRecord(ReadOnlySpan<byte> payload)
    {
        var buffer = new byte[HeaderSize + payload.Length];
        Coding.WriteFixed32(buffer.AsSpan(4), (uint)payload.Length);
        payload.CopyTo(buffer.AsSpan(HeaderSize));
        Coding.WriteFixed32(buffer, Checksum.Compute(buffer.AsSpan(4)));
        RandomAccess.Write(_handle, buffer, _size);
        _size += buffer.Length;
        RandomAccess.FlushToDisk(_handle);
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>
    /// Reads every record of a MANIFEST. A record cut short at the end of the file (a crash while appending, before
    /// the edit took effect) ends the log; a complete record that fails its checksum is corruption.
    /// </summary>
    public static List<(byte[] Payload, long Offset)> ReadAll(string path)
    {
        byte[] data = File.ReadAllBytes(path);
        var records = new List<(byte[], long)>();
        long offset = 0;
        while (offset < data.Length)
        {
            if (data.Length - offset < HeaderSize)
            {
                break; // torn header at the tail
            }
            uint checksum = Coding.ReadFixed32(data.AsSpan((int)offset));
            uint length = Coding.ReadFixed32(data.AsSpan((int)offset + 4));
            if (checksum == 0 && length == 0 && IsZeroFrom(data, offset))
            {
                break; // zero-filled tail
            }
            if (length > data.Length - offset - HeaderSize)
            {
                if (IsTail(data, offset))
                {
                    break; // torn record at the tail
                }
                ThrowHelper.ThrowCorruption(path, offset, $"MANIFEST record length {length} runs past the end of the file");
            }
            ReadOnlySpan<byte> covered = data.AsSpan((int)offset + 4, 4 + (int)length);
            if (Checksum.Compute(covered) != checksum)
            {
                ThrowHelper.ThrowCorruption(path, offset, "MANIFEST record checksum mismatch");
            }
            records.Add((data.AsSpan((int)offset + HeaderSize, (int)length).ToArray(), offset));
            offset += HeaderSize + length;
        }
        return records;
    }

    private static bool IsZeroFrom(byte[] data, long offset) => data.AsSpan((int)offset).IndexOfAnyExcept((byte)0) < 0;

    // A torn append leaves at most one partial record; its length field may be garbage only when it was itself
    // the last thing written. We accept a record whose declared length runs past EOF as torn.
    private static bool IsTail(byte[] data, long offset) => offset + HeaderSize <= data.Length;
}
