// The wall clock PD reads for timestamps, heartbeat times and the cluster id. Behind an interface so tests can
// move time forwards and backwards; implementations must be thread-safe and cheap (read on every TSO request).
namespace ManagedKv.Pd.Tso;

/// <summary>A wall clock in unix milliseconds. It may jump backwards; PD's TSO never does.</summary>
public interface IPdClock
{
    /// <summary>Current unix time in milliseconds.</summary>
    long UnixMilliseconds { get; }
}
