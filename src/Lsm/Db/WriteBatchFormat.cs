namespace ManagedKv.Lsm;

/// <summary>
/// Constants of the write batch encoding, which is also the WAL record payload (FORMAT.md, "Write batch").
/// On-disk: never renumber.
/// </summary>
internal static class WriteBatchFormat
{
    /// <summary>fixed64 first sequence + fixed32 count.</summary>
    public const int HeaderSize = 12;

    public const byte TagDelete = 0x0;
    public const byte TagPut = 0x1;
    public const byte TagRangeDeletion = 0xF;
}
