namespace ManagedKv.Perf;

/// <summary>
/// Bytes this process has caused to be written to / read from storage (Linux /proc/self/io), or 0 where unavailable.
/// write_bytes is counted when a page-cache folio is dirtied, a whole folio at a time.
/// </summary>
internal static class ProcessIO
{
    public static long WriteBytes() => Read("write_bytes:");

    public static long ReadBytes() => Read("read_bytes:");

    private static long Read(string key)
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/io"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(key.Length).Trim(), System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return 0;
    }
}
