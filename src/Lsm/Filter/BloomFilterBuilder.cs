using System.IO.Hashing;
using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// Collects key hashes for one SST's full filter and writes the filter block (FORMAT.md, "Filter"). Keys may be
/// whole user keys or (later) prefixes: the builder only sees bytes. Consecutive duplicate keys count once.
/// Not thread-safe.
/// </summary>
internal sealed class BloomFilterBuilder
{
    /// <summary>Bytes per cache line; every probe of a key stays inside one line.</summary>
    public const int LineBytes = 64;

    /// <summary>num_probes byte + num_lines fixed32 after the bit array.</summary>
    public const int MetadataSize = 5;

    private readonly double _bitsPerKey;
    private readonly int _numProbes;
    private ulong[] _hashes = new ulong[1024];
    private int _count;

    internal BloomFilterBuilder(double bitsPerKey, int numProbes)
    {
        _bitsPerKey = bitsPerKey;
        _numProbes = numProbes;
    }

    /// <summary>Distinct keys added so far.</summary>
    public int NumKeys => _count;

    /// <summary>Bytes the filter block would take if finished now.</summary>
    public int EstimatedSize => (NumLines(_count) * LineBytes) + MetadataSize;

    public static ulong Hash(ReadOnlySpan<byte> key) => XxHash3.HashToUInt64(key);

    public void AddKey(ReadOnlySpan<byte> key) => AddHash(Hash(key));

    public void AddHash(ulong hash)
    {
        if (_count > 0 && _hashes[_count - 1] == hash)
        {
            return;
        }
        if (_count == _hashes.Length)
        {
            Array.Resize(ref _hashes, _hashes.Length * 2);
        }
        _hashes[_count++] = hash;
    }

    /// <summary>Builds the filter block contents and resets the builder.</summary>
    public byte[] Finish()
    {
        int numLines = NumLines(_count);
        byte[] filter = new byte[(numLines * LineBytes) + MetadataSize];
        Span<byte> bits = filter.AsSpan(0, numLines * LineBytes);
        for (int i = 0; i < _count; i++)
        {
            BloomFilterReader.AddHash(bits, (uint)numLines, _numProbes, _hashes[i]);
        }
        filter[numLines * LineBytes] = (byte)_numProbes;
        Coding.WriteFixed32(filter.AsSpan((numLines * LineBytes) + 1), (uint)numLines);
        _count = 0;
        return filter;
    }

    private int NumLines(int keys)
    {
        if (keys == 0)
        {
            return 0;
        }
        double bits = keys * _bitsPerKey;
        long lines = (long)Math.Ceiling(bits / (LineBytes * 8));
        return (int)Math.Clamp(lines, 1, (int.MaxValue - MetadataSize) / LineBytes);
    }
}
