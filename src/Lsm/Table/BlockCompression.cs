using K4os.Compression.LZ4;
using ManagedKv.Lsm.Util;
using ZstdSharp;
using ThrowHelper = ManagedKv.Lsm.Util.ThrowHelper;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// Block compression (FORMAT.md, "Blocks"): a compressed block is <c>raw_length varint32 ++ codec output</c>, where
/// the codec is LZ4 block format (K4os) or a Zstandard frame (ZstdSharp). Thread-safe (decompressors are per thread;
/// a builder owns its compressor).
/// </summary>
internal static class BlockCompression
{
    /// <summary>Zstandard level (ZSTD_CLEVEL_DEFAULT, RocksDB's default level).</summary>
    public const int ZstdLevel = 3;

    [ThreadStatic]
    private static Decompressor? t_zstd;

    public static string NameOf(CompressionType type) => type switch
    {
        CompressionType.None => "NoCompression",
        CompressionType.Lz4 => "LZ4",
        CompressionType.Zstd => "ZSTD",
        _ => "Unknown",
    };

    public static bool IsKnown(byte type) => type is (byte)CompressionType.None or (byte)CompressionType.Lz4 or (byte)CompressionType.Zstd;

    /// <summary>Upper bound of the compressed payload for a block of <paramref name="rawLength"/> bytes.</summary>
    public static int MaxCompressedLength(CompressionType type, int rawLength) => Coding.MaxVarint32Length + type switch
    {
        CompressionType.Lz4 => LZ4Codec.MaximumOutputSize(rawLength),
        CompressionType.Zstd => Compressor.GetCompressBound(rawLength),
        _ => rawLength,
    };

    /// <summary>
    /// Compresses <paramref name="raw"/> into <paramref name="destination"/> (at least
    /// <see cref="MaxCompressedLength"/> bytes); returns the payload length, or -1 when the codec failed.
    /// </summary>
    public static int Compress(CompressionType type, ReadOnlySpan<byte> raw, Span<byte> destination, Compressor? zstd)
    {
        int n = Coding.WriteVarint32(destination, (uint)raw.Length);
        int written;
        switch (type)
        {
            case CompressionType.Lz4:
                written = LZ4Codec.Encode(raw, destination[n..], LZ4Level.L00_FAST);
                break;
            case CompressionType.Zstd:
                if (zstd == null)
                {
                    ThrowHelper.ThrowInvalidOperation("a Zstd block needs a compressor");
                }
                written = zstd.Wrap(raw, destination[n..]);
                break;
            default:
                ThrowHelper.ThrowArgument($"not a compression codec: {type}", nameof(type));
                return -1;
        }
        return written <= 0 && raw.Length > 0 ? -1 : n + written;
    }

    /// <summary>Reads the raw length of a compressed payload; -1 when malformed.</summary>
    public static int UncompressedLength(ReadOnlySpan<byte> payload)
    {
        int n = Coding.TryReadVarint32(payload, out uint length);
        return n == 0 || length > int.MaxValue ? -1 : (int)length;
    }

    /// <summary>
    /// Decompresses a payload into <paramref name="destination"/> (exactly <see cref="UncompressedLength"/> bytes).
    /// Returns false when the payload is malformed (the caller reports corruption).
    /// </summary>
    public static bool TryDecompress(CompressionType type, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        int n = Coding.TryReadVarint32(payload, out uint length);
        if (n == 0 || length != (uint)destination.Length)
        {
            return false;
        }
        ReadOnlySpan<byte> source = payload[n..];
        switch (type)
        {
            case CompressionType.Lz4:
                return LZ4Codec.Decode(source, destination) == destination.Length;
            case CompressionType.Zstd:
                try
                {
                    Decompressor zstd = t_zstd ??= new Decompressor();
                    return zstd.Unwrap(source, destination) == destination.Length;
                }
                catch (ZstdException)
                {
                    return false;
                }
                catch (ArgumentException)
                {
                    return false; // destination too small for what the frame claims
                }
            default:
                return false;
        }
    }
}
