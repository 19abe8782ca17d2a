namespace ManagedKv.Node.Bootstrap;

/// <summary>
/// Constants of the store-level records written by <see cref="StoreBootstrapper"/> in the KV engine's <c>raft</c> column
/// family (src/Node/FORMAT.md, "Store identity and bootstrap records"). On-disk: never renumber, never reuse.
/// </summary>
internal static class BootstrapFormat
{
    /// <summary>Version byte leading both values.</summary>
    public const byte Version = 1;

    /// <summary>Key of the <see cref="StoreIdent"/> record: <c>01 01</c> (TiKV's STORE_IDENT_KEY).</summary>
    public static ReadOnlySpan<byte> StoreIdentKey => [0x01, 0x01];

    /// <summary>Key of the prepared first region: <c>01 02</c> (TiKV's PREPARE_BOOTSTRAP_KEY).</summary>
    public static ReadOnlySpan<byte> PrepareBootstrapKey => [0x01, 0x02];

    /// <summary>Largest encoded <see cref="StoreIdent"/>: version + 2 varints.</summary>
    public const int MaxStoreIdentLength = 1 + (2 * 10);
}
