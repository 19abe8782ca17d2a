using System.Buffers.Binary;

namespace ManagedKv.RaftEngine;

/// <summary>
/// Constants and codec of the log file header (FORMAT.md, "File header") and file names. On-disk: never renumber.
/// </summary>
internal static class LogFileFormat
{
    /// <summary>"MKVRAFTL" as little-endian bytes.</summary>
    public const ulong Magic = 0x4C54464152564B4DUL;

    /// <summary>The format version this code writes and the only one it reads.</summary>
    public const uint Version = 1;

    /// <summary>Bytes of the file header: magic u64, version u32, checksum u32.</summary>
    public const int HeaderSize = 16;

    public const string Extension = ".raftlog";

    public static string FileName(ulong seq) => seq.ToString("D16", System.Globalization.CultureInfo.InvariantCulture) + Extension;

    /// <summary>Parses a file name made by <see cref="FileName"/>; false for any other name.</summary>
    public static bool TryParseFileName(string name, out ulong seq)
    {
        seq = 0;
        return name.Length == 16 + Extension.Length && name.EndsWith(Extension, StringComparison.Ordinal)
            && ulong.TryParse(name.AsSpan(0, 16), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out seq);
    }

    public static void WriteHeader(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Checksum.Compute(destination[..12], 0));
    }

    /// <summary>Checks a file header; returns null if good, else which check failed.</summary>
    public static string? CheckHeader(ReadOnlySpan<byte> header)
    {
        if (header.Length < HeaderSize)
        {
            return "file shorter than its header";
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(header[12..]) != Checksum.Compute(header[..12], 0))
        {
            return "file header checksum mismatch";
        }
        if (BinaryPrimitives.ReadUInt64LittleEndian(header) != Magic)
        {
            return "bad file magic";
        }
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        return version == Version ? null : $"unsupported format version {version}";
    }
}
