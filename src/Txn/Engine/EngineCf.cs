namespace ManagedKv.Txn;

/// <summary>The column families the transaction layer writes (names in <see cref="EngineCfNames"/>).</summary>
public enum EngineCf : byte
{
    /// <summary><c>default</c>: <c>key ‖ ~start_ts</c> → value of puts longer than 255 bytes.</summary>
    Default = 0,

    /// <summary><c>lock</c>: <c>key</c> → <see cref="Lock"/>.</summary>
    Lock = 1,

    /// <summary><c>write</c>: <c>key ‖ ~commit_ts</c> → <see cref="Write"/>.</summary>
    Write = 2,

    /// <summary><c>raw</c>: raw (non-transactional) key → raw value with optional TTL.</summary>
    Raw = 3,
}
