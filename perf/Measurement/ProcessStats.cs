namespace ManagedKv.Perf.Measurement;

/// <summary>
/// Reads this process's resource counters from Linux procfs: resident set size and its peak (/proc/self/status
/// VmRSS, VmHWM), bytes written (/proc/self/io). On other systems the values read as unavailable (-1) and the
/// harness falls back to sampling <see cref="Environment.WorkingSet"/>. Thread-safe; not for hot paths.
/// </summary>
internal static class ProcessStats
{
    private const string StatusPath = "/proc/self/status";
    private const string IoPath = "/proc/self/io";
    private const string ClearRefsPath = "/proc/self/clear_refs";

    /// <summary>Current resident set size in bytes, or <see cref="Environment.WorkingSet"/> off Linux.</summary>
    public static long CurrentRssBytes() => CurrentRss().Total;

    /// <summary>
    /// The resident set in one read of /proc/self/status: its total (VmRSS, or the runtime's working set where procfs
    /// is missing), and its split into anonymous memory (heaps, native allocations) and file-backed pages
    /// (memory-mapped files: page cache the kernel may reclaim), RssAnon / RssFile, -1 each if unknown.
    /// </summary>
    public static (long Total, long Anon, long File) CurrentRss()
    {
        long total = -1;
        long anon = -1;
        long file = -1;
        try
        {
            foreach (string line in File.ReadLines(StatusPath))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    total = ParseKb(line, "VmRSS:".Length) * 1024;
                }
                else if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
                {
                    anon = ParseKb(line, "RssAnon:".Length) * 1024;
                }
                else if (line.StartsWith("RssFile:", StringComparison.Ordinal))
                {
                    file = ParseKb(line, "RssFile:".Length) * 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            total = anon = file = -1;
        }
        return (total >= 0 ? total : Environment.WorkingSet, anon, file);
    }

    // "VmHWM:	  206148 kB" -> 206148
    private static long ParseKb(string line, int start)
    {
        string rest = line[start..].Trim();
        int space = rest.IndexOf(' ');
        return long.Parse(space < 0 ? rest : rest[..space], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Peak resident set size since the process started or since <see cref="TryResetPeakRss"/>; -1 if unknown.</summary>
    public static long PeakRssBytes()
    {
        long kb = ReadStatusKb("VmHWM:");
        return kb >= 0 ? kb * 1024 : -1;
    }

    /// <summary>Resets the kernel's peak-RSS mark to the current RSS (writes "5" to /proc/self/clear_refs, Linux 4.0+).</summary>
    public static bool TryResetPeakRss()
    {
        try
        {
            File.WriteAllText(ClearRefsPath, "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Process I/O counters: write_bytes counts pages this process dirtied in the page cache (including through
    /// memory-mapped files), wchar the bytes passed to write-type system calls. -1 when unavailable.
    /// </summary>
    public static IoCounters ReadIo()
    {
        long writeBytes = -1;
        long wchar = -1;
        long readBytes = -1;
        try
        {
            foreach (string line in File.ReadLines(IoPath))
            {
                if (line.StartsWith("write_bytes:", StringComparison.Ordinal))
                {
                    writeBytes = ParseTrailingLong(line);
                }
                else if (line.StartsWith("wchar:", StringComparison.Ordinal))
                {
                    wchar = ParseTrailingLong(line);
                }
                else if (line.StartsWith("read_bytes:", StringComparison.Ordinal))
                {
                    readBytes = ParseTrailingLong(line);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or procfs hidden: counters stay unavailable.
        }
        return new IoCounters(writeBytes, wchar, readBytes);
    }

    private static long ReadStatusKb(string field)
    {
        try
        {
            foreach (string line in File.ReadLines(StatusPath))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    return ParseKb(line, field.Length);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return -1;
        }
        return -1;
    }

    private static long ParseTrailingLong(string line)
    {
        int colon = line.IndexOf(':');
        return long.TryParse(line.AsSpan(colon + 1).Trim(), System.Globalization.NumberStyles.Integer,
            System.Globalization.CultureInfo.InvariantCulture, out long value) ? value : -1;
    }
}
