using System.Buffers.Binary;
using System.IO.Hashing;
using ManagedKv.Lsm;
using ManagedKv.Lsm.Util;

namespace ManagedKv.Txn;

/// <summary>
/// Writes one GC pending-delete file (FORMAT.md §8) for one compaction: records go to <c>NNNNNNNN.tmp</c>;
/// <see cref="Commit"/> appends the end record, fsyncs, renames it to <c>NNNNNNNN.pending</c> and fsyncs the folder,
/// so a file under its final name is always whole. Single-threaded (the compaction's thread).
/// </summary>
internal sealed class GcPendingWriter : IDisposable
{
    private readonly string _tempPath;
    private readonly string _finalPath;
    private readonly FileStream _file;
    private readonly Crc32 _crc = new();
    private readonly byte[] _scratch = new byte[1 + Coding.MaxVarint32Length];
    private long _count;
    private bool _committed;

    public GcPendingWriter(string directory, long number, ulong safePoint)
    {
        string name = number.ToString("D8", System.Globalization.CultureInfo.InvariantCulture);
        _tempPath = Path.Combine(directory, name + GcPendingFormat.TempExtension);
        _finalPath = Path.Combine(directory, name + GcPendingFormat.Extension);
        _file = new FileStream(_tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 << 10);
        Span<byte> header = stackalloc byte[GcPendingFormat.HeaderLength];
        GcPendingFormat.Magic.CopyTo(header);
        header[8] = GcPendingFormat.Version;
        BinaryPrimitives.WriteUInt64LittleEndian(header[9..], safePoint);
        Write(header);
    }

    /// <summary>Records written so far.</summary>
    public long Count => _count;

    /// <summary>Appends one record: <c>kind | varint len | bytes</c>.</summary>
    public void Add(byte kind, ReadOnlySpan<byte> key)
    {
        _scratch[0] = kind;
        int n = 1 + Coding.WriteVarint32(_scratch.AsSpan(1), (uint)key.Length);
        Write(_scratch.AsSpan(0, n));
        Write(key);
        _count++;
    }

    /// <summary>Makes the file durable under its final name; returns that path.</summary>
    public string Commit()
    {
        Span<byte> end = stackalloc byte[1 + Coding.MaxVarint64Length];
        end[0] = GcPendingFormat.KindEnd;
        int n = 1 + Coding.WriteVarint64(end[1..], (ulong)_count);
        Write(end[..n]);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, _crc.GetCurrentHashAsUInt32());
        _file.Write(crc);
        _file.Flush(flushToDisk: true);
        _file.Dispose();
        File.Move(_tempPath, _finalPath);
        DirectorySync.Sync(Path.GetDirectoryName(_finalPath)!);
        _committed = true;
        return _finalPath;
    }

    /// <summary>Closes the file; an uncommitted one is deleted (its compaction did not finish).</summary>
    public void Dispose()
    {
        if (_committed)
        {
            return;
        }
        _file.Dispose();
        File.Delete(_tempPath);
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _crc.Append(bytes);
        _file.Write(bytes);
    }
}
