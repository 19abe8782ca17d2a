using System.Buffers.Binary;

namespace ManagedKv.RaftEngine;

/// <summary>
/// Constants and codec of the log file header (FORMAT.md, "File header") and file names. On-disk: never renumber.
/// Writes version 3; reads versions 1 to 3 (versions 2 and 3 share the file header; they differ in the batch).
/// </summary>
internal static class LogFileFormat
{
    /// <summary>"MKVRAFTL" as little-endian bytes.</summary>
    public const ulong Magic = 0x4C54464152564B4DUL;

    /// <summary>The format version this code writes.</summary>
    public const uint Version = 3;

    /// <summary>The oldest format version this code reads.</summary>
    public const uint OldestReadableVersion = 1;

    /// <summary>Bytes of the version 2 and 3 header: magic, version, reserved, seq, previous seq, previous length, checksum, reserved.</summary>
    public const int HeaderSize = 48;

    /// <summary>Bytes of the version 1 header: magic u64, version u32, checksum u32.</summary>
    public const int HeaderSizeV1 = 16;

    /// <summary>
    /// Sequences stay below 2^32: version 2 files carry the low 32 bits of their sequence in every batch header, and
    /// the index keeps file sequences as 32-bit values.
    /// </summary>
    public const ulong MaxSequence = uint.MaxValue;

    public const string Extension = ".raftlog";

    /// <summary>Name suffix of a purged file kept for reuse (FORMAT.md, "Recycling").</summary>
    public const string RecycleExtension = ".raftrecycle";

    /// <summary>Name suffix of a file being prefilled for the recycle pool; renamed to the recycle name once written.</summary>
    public const string PrefillExtension = ".raftprefill";

    public static string FileName(ulong seq) => seq.ToString("D16", System.Globalization.CultureInfo.InvariantCulture) + Extension;

    public static string RecycleFileName(ulong seq) => seq.ToString("D16", System.Globalization.CultureInfo.InvariantCulture) + RecycleExtension;

    public static string PrefillFileName(ulong seq) => seq.ToString("D16", System.Globalization.CultureInfo.InvariantCulture) + PrefillExtension;

    /// <summary>Parses a file name made by <see cref="PrefillFileName"/>; false for any other name.</summary>
    public static bool TryParsePrefillFileName(string name, out ulong seq) => TryParse(name, PrefillExtension, out seq);

    /// <summary>Parses a file name made by <see cref="FileName"/>; false for any other name.</summary>
    public static bool TryParseFileName(string name, out ulong seq) => TryParse(name, Extension, out seq);

    /// <summary>Parses a file name made by <see cref="RecycleFileName"/>; false for any other name.</summary>
    public static bool TryParseRecycleFileName(string name, out ulong seq) => TryParse(name, RecycleExtension, out seq);

    private static bool TryParse(string name, string extension, out ulong seq)
    {
        seq = 0;
        return name.Length == 16 + extension.Length && name.EndsWith(extension, StringComparison.Ordinal)
            && ulong.TryParse(name.AsSpan(0, 16), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out seq);
    }

    /// <summary>
    /// Writes a version 3 header for file <paramref name="seq"/> whose predecessor in the directory is file
    /// <paramref name="prevSeq"/> with <paramref name="prevLength"/> bytes of data (both 0 when there is none).
    /// </summary>
    public static void WriteHeader(Span<byte> destination, ulong seq, ulong prevSeq, long prevLength)
    {
        destination[..HeaderSize].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(destination, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Version);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], seq);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], prevSeq);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[32..], (ulong)prevLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[40..], Checksum.Compute(destination[..40], 0));
    }

    /// <summary>
    /// Checks the header at the start of file <paramref name="seq"/> (<paramref name="fileStart"/>: the file's
    /// first bytes, up to <see cref="HeaderSize"/>); returns null if good, else which check failed.
    /// </summary>
    public static string? CheckHeader(ReadOnlySpan<byte> fileStart, ulong seq, out LogFileHeader header)
    {
        header = default;
        if (fileStart.Length < HeaderSizeV1)
        {
            return "file shorter than its header";
        }
        if (BinaryPrimitives.ReadUInt64LittleEndian(fileStart) != Magic)
        {
            return "bad file magic";
        }
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(fileStart[8..]);
        if (version == 1)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(fileStart[12..]) != Checksum.Compute(fileStart[..12], 0))
            {
                return "file header checksum mismatch";
            }
            header = new LogFileHeader(1, HeaderSizeV1, seq, 0, 0);
            return null;
        }
        if (version != 2 && version != 3)
        {
            return $"unsupported format version {version} (this code reads versions {OldestReadableVersion} to {Version})";
        }
        if (fileStart.Length < HeaderSize)
        {
            return "file shorter than its header";
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(fileStart[40..]) != Checksum.Compute(fileStart[..40], 0))
        {
            return "file header checksum mismatch";
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(fileStart[12..]) != 0 || BinaryPrimitives.ReadUInt32LittleEndian(fileStart[44..]) != 0)
        {
            return "reserved file header bytes are not zero";
        }
        ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(fileStart[16..]);
        if (stored != seq)
        {
            return $"file header names sequence {stored}, not the file's {seq}";
        }
        header = new LogFileHeader(version, HeaderSize, seq, BinaryPrimitives.ReadUInt64LittleEndian(fileStart[24..]), (long)BinaryPrimitives.ReadUInt64LittleEndian(fileStart[32..]));
        return null;
    }
}
