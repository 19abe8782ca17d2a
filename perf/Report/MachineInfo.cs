using System.Runtime.InteropServices;

namespace ManagedKv.Perf.Report;

/// <summary>The machine shape a run was measured on.</summary>
public sealed record MachineInfo(int ProcessorCount, string Cpu, long MemoryBytes, string Os, string Runtime, string? GitCommit)
{
    public static MachineInfo Detect() => new(
        Environment.ProcessorCount,
        ReadProcField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        ParseKb(ReadProcField("/proc/meminfo", "MemTotal")),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        GitHead());

    private static string? ReadProcField(string path, string field)
    {
        try
        {
            foreach (string line in File.ReadLines(path))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    int colon = line.IndexOf(':');
                    return colon < 0 ? null : line[(colon + 1)..].Trim();
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return null;
    }

    private static long ParseKb(string? value)
    {
        if (value is null)
        {
            return -1;
        }
        int space = value.IndexOf(' ');
        return long.TryParse(space < 0 ? value : value[..space], out long kb) ? kb * 1024 : -1;
    }

    private static string? GitHead()
    {
        try
        {
            using var git = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("git", "rev-parse --short HEAD")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (git is null)
            {
                return null;
            }
            string output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit(5000);
            return git.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return null;
        }
    }
}
