using System.Buffers.Binary;

namespace ManagedKv.Perf.Workloads;

/// <summary>
/// Benchmark keys, as db_bench builds them: the key number as 8 big-endian bytes (so numeric order is key order),
/// padded with '0' bytes to the key size. A "missing" key has the same prefix with its last byte '.', so it sorts
/// among existing keys and only a filter (or a table probe) can rule it out. Stateless.
/// </summary>
internal static class KeyFormat
{
    public const int MinKeySize = 9;
    private const byte Padding = (byte)'0';
    private const byte MissingMark = (byte)'.';

    public static void Write(Span<byte> key, ulong number)
    {
        BinaryPrimitives.WriteUInt64BigEndian(key, number);
        key[8..].Fill(Padding);
    }

    public static void WriteMissing(Span<byte> key, ulong number)
    {
        Write(key, number);
        key[^1] = MissingMark;
    }

    /// <summary>The key number of a well-formed key, or -1 if the key is not one of ours.</summary>
    public static long NumberOf(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinKeySize || key[^1] != Padding)
        {
            return -1;
        }
        return (long)BinaryPrimitives.ReadUInt64BigEndian(key);
    }
}
