using System.Buffers.Binary;
using System.IO.Hashing;
using ManagedKv.Lsm;

namespace ManagedKv.Txn;

/// <summary>
/// The contents of one committed GC pending-delete file (FORMAT.md §8), read and fully verified (magic, version,
/// record kinds, count, CRC-32) before anything in it is used. Immutable.
/// </summary>
internal sealed class GcPendingFile
{
    private GcPendingFile(ulong safePoint, List<byte[]> defaultCfKeys, List<byte[]> mvccDeletions)
    {
        SafePoint = safePoint;
        DefaultCfKeys = defaultCfKeys;
        MvccDeletions = mvccDeletions;
    }

    /// <summary>The safe point of the compaction that wrote the file.</summary>
    public ulong SafePoint { get; }

    /// <summary><c>default</c> CF keys to delete.</summary>
    public List<byte[]> DefaultCfKeys { get; }

    /// <summary>Raw user keys to GC explicitly at <see cref="SafePoint"/>.</summary>
    public List<byte[]> MvccDeletions { get; }

    /// <summary>Reads <paramref name="path"/>; throws <see cref="CorruptionException"/> (path, offset, check) when it is malformed.</summary>
    public static GcPendingFile Read(string path) => Parse(File.ReadAllBytes(path), path);

    internal static GcPendingFile Parse(ReadOnlySpan<byte> data, string path)
    {
        if (data.Length < GcPendingFormat.HeaderLength + 1 + 1 + 4)
        {
            throw new CorruptionException(path, 0, $"GC pending file too short ({data.Length} bytes)");
        }
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(data[^4..]);
        uint actual = Crc32.HashToUInt32(data[..^4]);
        if (stored != actual)
        {
            throw new CorruptionException(path, data.Length - 4, $"GC pending file checksum mismatch (stored {stored:X8}, computed {actual:X8})");
        }
        if (!data[..8].SequenceEqual(GcPendingFormat.Magic))
        {
            throw new CorruptionException(path, 0, "bad GC pending file magic");
        }
        if (data[8] != GcPendingFormat.Version)
        {
            throw new CorruptionException(path, 8, $"unknown GC pending file version {data[8]}");
        }
        ulong safePoint = BinaryPrimitives.ReadUInt64LittleEndian(data[9..]);
        ReadOnlySpan<byte> body = data[..^4];
        try
        {
            return ParseRecords(body, path, safePoint);
        }
        catch (MvccFormatException e)
        {
            throw new CorruptionException(path, GcPendingFormat.HeaderLength + e.Offset, "truncated GC pending record: " + e.Reason);
        }
    }

    private static GcPendingFile ParseRecords(ReadOnlySpan<byte> body, string path, ulong safePoint)
    {
        var defaultKeys = new List<byte[]>();
        var mvccDeletions = new List<byte[]>();
        var r = new RecordReader(body[GcPendingFormat.HeaderLength..], "gc-pending", default);
        while (true)
        {
            int offset = GcPendingFormat.HeaderLength + r.Offset;
            if (r.AtEnd)
            {
                throw new CorruptionException(path, offset, "GC pending file has no end record");
            }
            byte kind = r.ReadByte();
            if (kind == GcPendingFormat.KindEnd)
            {
                ulong count = r.ReadVarint64();
                if (count != (ulong)(defaultKeys.Count + mvccDeletions.Count))
                {
                    throw new CorruptionException(path, offset, $"GC pending file end record says {count} records, found {defaultKeys.Count + mvccDeletions.Count}");
                }
                if (!r.AtEnd)
                {
                    throw new CorruptionException(path, GcPendingFormat.HeaderLength + r.Offset, "bytes after the GC pending file end record");
                }
                return new GcPendingFile(safePoint, defaultKeys, mvccDeletions);
            }
            byte[] key = r.ReadSpan(r.ReadCount()).ToArray();
            switch (kind)
            {
                case GcPendingFormat.KindDefaultCfKey:
                    defaultKeys.Add(key);
                    break;
                case GcPendingFormat.KindMvccDeletion:
                    mvccDeletions.Add(key);
                    break;
                default:
                    throw new CorruptionException(path, offset, $"unknown GC pending record kind {kind}");
            }
        }
    }
}
