using System.Runtime.CompilerServices;
using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// Queries a full filter block (FORMAT.md, "Filter"). A key's 64-bit hash picks a line from its upper 32 bits
/// (multiply-shift range reduction); its lower 32 bits, multiplied by the golden ratio between probes, give one
/// 9-bit bit index per probe. Immutable, thread-safe; no allocation per query.
/// </summary>
internal sealed class BloomFilterReader
{
    private readonly byte[] _filter;   // the whole filter block (bits + metadata)
    private readonly uint _numLines;
    private readonly int _numProbes;

    private BloomFilterReader(byte[] filter, uint numLines, int numProbes)
    {
        _filter = filter;
        _numLines = numLines;
        _numProbes = numProbes;
    }

    /// <summary>Bytes held.</summary>
    public int MemoryUsage => _filter.Length;

    /// <summary>Parses a filter block read from <paramref name="path"/> at <paramref name="blockOffset"/>.</summary>
    public static BloomFilterReader Create(byte[] filter, string path, long blockOffset)
    {
        if (filter.Length < BloomFilterBuilder.MetadataSize)
        {
            ThrowHelper.ThrowCorruption(path, blockOffset, "filter block too short");
        }
        int bitsLength = filter.Length - BloomFilterBuilder.MetadataSize;
        int numProbes = filter[bitsLength];
        uint numLines = Coding.ReadFixed32(filter.AsSpan(bitsLength + 1));
        if (numProbes < 1 || numProbes > 30 || (ulong)numLines * BloomFilterBuilder.LineBytes != (ulong)bitsLength)
        {
            ThrowHelper.ThrowCorruption(path, blockOffset, $"bad filter metadata (probes {numProbes}, lines {numLines}, {bitsLength} bytes)");
        }
        return new BloomFilterReader(filter, numLines, numProbes);
    }

    public bool KeyMayMatch(ReadOnlySpan<byte> key) => HashMayMatch(BloomFilterBuilder.Hash(key));

    public bool HashMayMatch(ulong hash)
    {
        return _numLines != 0 && Probe(_filter, _numLines, _numProbes, hash); // no line: no key was added
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Probe(ReadOnlySpan<byte> bits, uint numLines, int numProbes, ulong hash)
    {
        ReadOnlySpan<byte> line = bits.Slice(LineStart(hash, numLines), BloomFilterBuilder.LineBytes);
        uint h = (uint)hash;
        for (int i = 0; i < numProbes; i++)
        {
            uint bit = h >> 23;
            if ((line[(int)(bit >> 3)] & (1 << (int)(bit & 7))) == 0)
            {
                return false;
            }
            h *= 0x9E3779B9;
        }
        return true;
    }

    /// <summary>
    /// Queries a filter block held elsewhere (the block cache) without building a reader; checks its metadata on
    /// each call.
    /// </summary>
    public static bool MayMatch(ReadOnlySpan<byte> filter, ulong hash, string path, long blockOffset)
    {
        int bitsLength = filter.Length - BloomFilterBuilder.MetadataSize;
        if (bitsLength < 0)
        {
            ThrowHelper.ThrowCorruption(path, blockOffset, "filter block too short");
        }
        int numProbes = filter[bitsLength];
        uint numLines = Coding.ReadFixed32(filter[(bitsLength + 1)..]);
        if (numProbes < 1 || numProbes > 30 || (ulong)numLines * BloomFilterBuilder.LineBytes != (ulong)bitsLength)
        {
            ThrowHelper.ThrowCorruption(path, blockOffset, $"bad filter metadata (probes {numProbes}, lines {numLines}, {bitsLength} bytes)");
        }
        return numLines != 0 && Probe(filter, numLines, numProbes, hash);
    }

    internal static void AddHash(Span<byte> bits, uint numLines, int numProbes, ulong hash)
    {
        Span<byte> line = bits.Slice(LineStart(hash, numLines), BloomFilterBuilder.LineBytes);
        uint h = (uint)hash;
        for (int i = 0; i < numProbes; i++)
        {
            uint bit = h >> 23;
            line[(int)(bit >> 3)] |= (byte)(1 << (int)(bit & 7));
            h *= 0x9E3779B9;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LineStart(ulong hash, uint numLines) =>
        (int)(((hash >> 32) * numLines) >> 32) * BloomFilterBuilder.LineBytes;
}
