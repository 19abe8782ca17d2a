namespace ManagedKv.Lsm;

/// <summary>
/// Decodes engine entries into MVCC terms for <see cref="MvccPropertiesCollectorFactory"/>. The transaction layer
/// (src/Txn) supplies it — the LSM engine knows nothing of key encodings. Must be thread-safe (collectors of
/// concurrent flushes and compactions share it).
/// </summary>
public interface IMvccEntryDecoder
{
    /// <summary>Decodes one entry; false when it is not an MVCC entry (it is then not counted).</summary>
    bool TryDecode(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, EntryType type, out MvccEntry entry);
}
