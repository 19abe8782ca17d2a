namespace ManagedKv.Perf.Measurement;

/// <summary>A snapshot of /proc/self/io; each field is -1 when unavailable.</summary>
internal readonly record struct IoCounters(long WriteBytes, long WriteCharBytes, long ReadBytes)
{
    /// <summary>Bytes written between <paramref name="start"/> and this snapshot, from the best available counter.</summary>
    public (long Bytes, string Source) WrittenSince(IoCounters start)
    {
        long pages = WriteBytes >= 0 && start.WriteBytes >= 0 ? WriteBytes - start.WriteBytes : -1;
        if (pages > 0)
        {
            return (pages, "proc-io-write_bytes");
        }
        long chars = WriteCharBytes >= 0 && start.WriteCharBytes >= 0 ? WriteCharBytes - start.WriteCharBytes : -1;
        return chars >= 0 ? (chars, "proc-io-wchar") : (-1, "unavailable");
    }
}
