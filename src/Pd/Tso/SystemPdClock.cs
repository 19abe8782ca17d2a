// The system wall clock (UTC). Thread-safe, allocation-free.
namespace ManagedKv.Pd.Tso;

/// <summary>The machine's wall clock.</summary>
public sealed class SystemPdClock : IPdClock
{
    /// <summary>The one instance.</summary>
    public static SystemPdClock Instance { get; } = new();

    private SystemPdClock()
    {
    }

    /// <inheritdoc />
    public long UnixMilliseconds => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
