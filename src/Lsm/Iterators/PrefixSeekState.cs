namespace ManagedKv.Lsm.Iterators;

/// <summary>
/// The prefix of a DB iterator's current seek, shared by the iterator and its memtable, table and level children so
/// a child can skip its source when a bloom filter rules the prefix out (RocksDB's prefix seek). Set by
/// <see cref="LsmIterator"/> before each seek: <see cref="Active"/> only for Seek / SeekForPrev targets in the
/// extractor's domain. While active, every seek the children receive (including the re-seeks of a direction change)
/// targets a key with this prefix, which is what makes skipping correct.
/// Not thread-safe: owned by one iterator.
/// </summary>
internal sealed class PrefixSeekState
{
    private byte[] _prefix = new byte[32];

    public PrefixSeekState(ISliceTransform extractor, LsmStatistics? statistics)
    {
        Extractor = extractor;
        ExtractorName = extractor.Name;
        Statistics = statistics;
    }

    public ISliceTransform Extractor { get; }

    public string ExtractorName { get; }

    public LsmStatistics? Statistics { get; }

    /// <summary>Children filter their seeks by <see cref="PrefixHash"/>.</summary>
    public bool Active { get; private set; }

    /// <summary>The bloom hash of <see cref="Prefix"/>. REQUIRES: Active.</summary>
    public ulong PrefixHash { get; private set; }

    public int PrefixLength { get; private set; }

    public ReadOnlySpan<byte> Prefix => _prefix.AsSpan(0, PrefixLength);

    /// <summary>Activates filtering by the prefix of <paramref name="userKey"/> (when it has one); returns Active.</summary>
    public bool Activate(ReadOnlySpan<byte> userKey)
    {
        if (!Extractor.InDomain(userKey))
        {
            Active = false;
            return false;
        }
        ReadOnlySpan<byte> prefix = Extractor.Transform(userKey);
        if (_prefix.Length < prefix.Length)
        {
            _prefix = new byte[Math.Max(prefix.Length, _prefix.Length * 2)];
        }
        prefix.CopyTo(_prefix);
        PrefixLength = prefix.Length;
        PrefixHash = Table.BloomFilterBuilder.Hash(prefix);
        Active = true;
        return true;
    }

    /// <summary>Stops filtering (total-order seeks such as SeekToFirst).</summary>
    public void Deactivate() => Active = false;

    /// <summary>True when <paramref name="userKey"/> has the active prefix. REQUIRES: Active.</summary>
    public bool HasPrefix(ReadOnlySpan<byte> userKey) =>
        Extractor.InDomain(userKey) && Extractor.Transform(userKey).SequenceEqual(Prefix);
}
