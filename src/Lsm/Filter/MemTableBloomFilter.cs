using System.Runtime.CompilerServices;

namespace ManagedKv.Lsm.Filter;

/// <summary>
/// The bloom filter of one memtable (RocksDB's memtable prefix bloom): prefixes (and optionally whole keys) of every
/// point entry added, so point lookups and prefix seeks can skip a memtable. Cache-line local like the SST filter
/// (every probe of a hash lands in one 64-byte line; same hash and probe sequence, 6 probes), but built in place:
/// bits are set with atomic ORs, so any number of writers and readers may use it concurrently. A reader that saw an
/// entry's sequence published also sees its bits (they are set before the entry is inserted).
/// </summary>
internal sealed class MemTableBloomFilter
{
    private const int NumProbes = 6;
    private const int WordsPerLine = 8; // 8 × 64 bits = one 64-byte line

    private readonly long[] _words;
    private readonly uint _numLines;

    /// <summary>A filter of about <paramref name="totalBits"/> bits (rounded up to whole 512-bit lines).</summary>
    public MemTableBloomFilter(long totalBits)
    {
        long lines = Math.Clamp((totalBits + 511) / 512, 1, int.MaxValue / WordsPerLine);
        _numLines = (uint)lines;
        _words = new long[lines * WordsPerLine];
    }

    /// <summary>Bytes held.</summary>
    public long MemoryUsage => (long)_words.Length * sizeof(long);

    public void Add(ulong hash)
    {
        long[] words = _words;
        int line = LineStart(hash);
        uint h = (uint)hash;
        for (int i = 0; i < NumProbes; i++)
        {
            uint bit = h >> 23;
            ref long word = ref words[line + (int)(bit >> 6)];
            long mask = 1L << (int)(bit & 63);
            if ((Volatile.Read(ref word) & mask) == 0)
            {
                Interlocked.Or(ref word, mask);
            }
            h *= 0x9E3779B9;
        }
    }

    public bool MayContain(ulong hash)
    {
        long[] words = _words;
        int line = LineStart(hash);
        uint h = (uint)hash;
        for (int i = 0; i < NumProbes; i++)
        {
            uint bit = h >> 23;
            if ((Volatile.Read(ref words[line + (int)(bit >> 6)]) & (1L << (int)(bit & 63))) == 0)
            {
                return false;
            }
            h *= 0x9E3779B9;
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int LineStart(ulong hash) => (int)(((hash >> 32) * _numLines) >> 32) * WordsPerLine;
}
