// A clock tests set by hand, forwards or backwards. Thread-safe.
using ManagedKv.Pd.Tso;

namespace ManagedKv.Pd.Tests.Util;

internal sealed class ManualClock : IPdClock
{
    private long _ms;

    public ManualClock(long ms) => _ms = ms;

    public long UnixMilliseconds => Interlocked.Read(ref _ms);

    public void Set(long ms) => Interlocked.Exchange(ref _ms, ms);

    public void Advance(long ms) => Interlocked.Add(ref _ms, ms);
}
