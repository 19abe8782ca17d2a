namespace ManagedKv.Txn;

/// <summary>
/// The GC logic of TiKV's write CF compaction filter, as a pure function over the entries a compaction emits (MVCC
/// keys in order). It decides each entry with the same rule as <see cref="GcRunner"/>, collects the default CF keys
/// of removed long puts (which live in another CF, so the owner deletes them with one batch after the compaction),
/// and — below the bottom level — keeps delete marks and reports their keys for explicit GC, because older versions
/// of those keys may sit in lower levels the compaction does not see. One instance per compaction; single-threaded.
/// Plugged into the LSM by <see cref="GcCompactionFilterFactory"/> (which also disposes of
/// <see cref="DefaultCfDeletes"/> and <see cref="MvccDeletions"/> crash-safely).
/// </summary>
public sealed class GcCompactionFilter
{
    private readonly ulong _safePoint;
    private readonly bool _bottommost;
    private GcKeyState _state = new();

    public GcCompactionFilter(ulong safePoint, bool bottommostLevel)
    {
        _safePoint = safePoint;
        _bottommost = bottommostLevel;
    }

    /// <summary>Default CF keys (<c>key ‖ ~start_ts</c>) of removed puts whose value is not inlined.</summary>
    public List<byte[]> DefaultCfDeletes { get; } = new();

    /// <summary>Raw user keys whose newest version at or below the safe point is a kept delete mark.</summary>
    public List<byte[]> MvccDeletions { get; } = new();

    /// <summary>Entries seen and removed so far.</summary>
    public long Seen { get; private set; }

    public long Removed { get; private set; }

    /// <summary>
    /// Decides one write CF entry. Entries that are not MVCC keys or not write records are kept untouched (the filter
    /// never guesses about data it cannot parse).
    /// </summary>
    public GcDecision Filter(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        Seen++;
        if (!MvccKey.TrySplit(key, out ReadOnlySpan<byte> userKey, out ulong commitTs))
        {
            return GcDecision.Keep;
        }
        WriteRef w;
        try
        {
            w = WriteRef.Parse(value, key);
        }
        catch (MvccFormatException)
        {
            return GcDecision.Keep;
        }
        GcDecision d = _state.Next(userKey, commitTs, w.Type, _safePoint, _bottommost);
        if (d == GcDecision.Remove)
        {
            Removed++;
            if (w.Type == WriteType.Put && !w.HasShortValue)
            {
                DefaultCfDeletes.Add(MvccKey.Append(userKey, w.StartTs));
            }
        }
        else if (d == GcDecision.KeepDeleteMark)
        {
            MvccDeletions.Add(MvccKey.DecodeUserKey(userKey));
        }
        return d;
    }
}
