namespace ManagedKv.Perf;

/// <summary>Bytes this process has caused to be written to storage (Linux /proc/self/io), or 0 where unavailable.</summary>
internal static class ProcessIO
{
    public static long WriteBytes()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/io"))
            {
                if (line.StartsWith("write_bytes:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(12).Trim(), System.Globalization.CultureInfo.InvariantCulture);
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
