using System.Diagnostics;

namespace ManagedKv.Tests.Shared;

/// <summary>
/// Starts a crash-test child process: the child project built beside the test project (in the same configuration and
/// target framework), with stdout and stderr redirected. A linked source file shared by the test projects.
/// </summary>
internal static class CrashChildProcess
{
    /// <param name="childFolder">The child project's folder, relative to the test project's folder.</param>
    /// <param name="dllName">The child's assembly file name.</param>
    /// <param name="args">The child's arguments.</param>
    public static Process Start(string childFolder, string dllName, params string[] args)
    {
        // tests/<TestProject>/bin/<Configuration>/<tfm>/ -> tests/<TestProject>/<childFolder>/bin/<Configuration>/<tfm>/
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = baseDir.Name;
        string configuration = baseDir.Parent!.Name;
        string projectDir = baseDir.Parent.Parent!.Parent!.FullName;
        string dll = Path.Combine(projectDir, childFolder, "bin", configuration, tfm, dllName);
        Assert.True(File.Exists(dll), $"crash child not built at {dll}");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }
}
