// A PD timestamp: physical unix milliseconds and an 18-bit logical counter. Composed 64-bit form:
// physical << 18 | logical (TIKV-PD-BEHAVIOUR.md §6). Immutable value type.
namespace ManagedKv.Pd.Tso;

/// <summary>A timestamp oracle value.</summary>
/// <param name="Physical">Unix milliseconds.</param>
/// <param name="Logical">Logical counter, below 2^18.</param>
public readonly record struct TsoTimestamp(long Physical, long Logical) : IComparable<TsoTimestamp>
{
    /// <summary>Bits of the logical part.</summary>
    public const int LogicalBits = 18;

    /// <summary>Exclusive upper bound of the logical part (2^18).</summary>
    public const long MaxLogical = 1L << LogicalBits;

    /// <summary>The composed 64-bit timestamp: physical &lt;&lt; 18 | logical.</summary>
    public ulong Composed => ((ulong)Physical << LogicalBits) | (ulong)Logical;

    /// <summary>Splits a composed timestamp.</summary>
    public static TsoTimestamp FromComposed(ulong ts) =>
        new((long)(ts >> LogicalBits), (long)(ts & (MaxLogical - 1)));

    /// <inheritdoc />
    public int CompareTo(TsoTimestamp other) => Composed.CompareTo(other.Composed);
}
