namespace ManagedKv.Lsm.RangeDel;

/// <summary>A range deletion: every key k with Begin &lt;= k &lt; End written before <see cref="Sequence"/> is deleted.</summary>
internal readonly record struct RangeTombstone(byte[] Begin, byte[] End, ulong Sequence);
