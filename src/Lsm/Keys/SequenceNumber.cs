namespace ManagedKv.Lsm.Keys;

/// <summary>Sequence numbers order every write of a DB; 56 bits so they pack with the type into 8 bytes.</summary>
internal static class SequenceNumber
{
    /// <summary>The largest valid sequence number, 2^56 - 1.</summary>
    public const ulong Max = (1UL << 56) - 1;
}
