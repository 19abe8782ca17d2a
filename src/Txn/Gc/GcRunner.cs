namespace ManagedKv.Txn;

/// <summary>
/// Explicit GC (TiKV's GC worker <c>gc</c> over a key range): scans the write CF of a snapshot and deletes every
/// version the <see cref="GcKeyState"/> rule marks as garbage below the safe point, with the default CF values of
/// removed long puts, in batches. Takes no latches: transactions only add versions above the safe point (the safe
/// point is below every live transaction's start_ts, as PD guarantees), and reads at or above it see the same data
/// before and after. When the engine summarizes its MVCC table properties (<see cref="IMvccPropertiesSource"/>) and
/// they show nothing to collect in the range (<see cref="MvccGcCheck"/>), the scan is skipped, as TiKV's GC worker
/// does. Thread-safe (each call uses its own snapshot).
/// </summary>
public static class GcRunner
{
    /// <summary>
    /// Collects garbage at or below <paramref name="safePoint"/> in <c>[startKey, endKey)</c> (raw keys; empty =
    /// unbounded). With <paramref name="skipByProperties"/> (default) a range whose MVCC properties show nothing to
    /// collect is not scanned.
    /// </summary>
    public static GcStats Gc(IKvEngine engine, ulong safePoint, byte[]? startKey = null, byte[]? endKey = null, int batchSize = 1024,
        bool skipByProperties = true)
    {
        var stats = new GcStats();
        if (skipByProperties && engine is IMvccPropertiesSource source && source.GetWriteCfMvccProperties(startKey, endKey) is { } props
            && !MvccGcCheck.NeedGc(props, safePoint))
        {
            stats.SkippedByProperties = true;
            return stats;
        }
        byte[]? lower = startKey is { Length: > 0 } ? MvccKey.Encode(startKey) : null;
        byte[]? upper = endKey is { Length: > 0 } ? MvccKey.Encode(endKey) : null;
        var batch = new KvWriteBatch(4096);
        var state = new GcKeyState();
        using IKvSnapshot snapshot = engine.GetSnapshot();
        using IKvCursor cursor = snapshot.NewCursor(EngineCf.Write, lower, upper);
        for (cursor.SeekToFirst(); cursor.Valid; cursor.Next())
        {
            ReadOnlySpan<byte> key = cursor.Key;
            if (!MvccKey.TrySplit(key, out ReadOnlySpan<byte> userKey, out ulong commitTs))
            {
                throw new MvccFormatException(MvccFormat.WriteCf, key, 0, "write CF key too short for a timestamp");
            }
            stats.VersionsScanned++;
            WriteRef w = WriteRef.Parse(cursor.Value, key);
            if (state.Next(userKey, commitTs, w.Type, safePoint, canRemoveDeleteMark: true) != GcDecision.Remove)
            {
                continue;
            }
            batch.Delete(EngineCf.Write, key);
            stats.VersionsDeleted++;
            if (w.Type == WriteType.Put && !w.HasShortValue)
            {
                batch.Delete(EngineCf.Default, MvccKey.Append(userKey, w.StartTs));
                stats.ValuesDeleted++;
            }
            if (batch.Count >= batchSize)
            {
                engine.Write(batch);
                batch.Clear();
            }
        }
        engine.Write(batch);
        return stats;
    }
}
