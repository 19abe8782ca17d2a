using System.Diagnostics;

namespace ManagedKv.RaftEngine;

/// <summary>
/// Rebuilds the index from the log files at open: scans the files in parallel (checksums are the expensive part),
/// then replays their batches in file order through <see cref="IndexMap.ApplyBatch"/>, the same code the write path
/// uses. Cuts a torn tail off the newest file (TolerateTailCorruption). Runs once, before the engine accepts calls.
/// </summary>
internal static class LogRecovery
{
    public static RecoveryReport Recover(string directory, RaftEngineOptions options, IndexMap index, List<(ulong Seq, long ValidLength)> files, out ulong nextSeq)
    {
        var watch = Stopwatch.StartNew();
        var found = new List<(ulong Seq, string Path)>();
        foreach (string path in Directory.EnumerateFiles(directory, "*" + LogFileFormat.Extension))
        {
            if (LogFileFormat.TryParseFileName(Path.GetFileName(path), out ulong seq))
            {
                found.Add((seq, path));
            }
        }
        found.Sort(static (a, b) => a.Seq.CompareTo(b.Seq));
        // Sequence numbers are never reused, not even those of files recovery could not use.
        nextSeq = found.Count == 0 ? 1 : found[^1].Seq + 1;
        var results = new FileScanResult[found.Count];
        RecoveryMode mode = options.RecoveryMode;
        Parallel.For(0, found.Count, new ParallelOptions { MaxDegreeOfParallelism = options.RecoveryThreads }, i =>
            results[i] = LogFileScanner.Scan(found[i].Seq, found[i].Path, mode, i == found.Count - 1));

        var dropped = new List<CorruptedRange>();
        long bytes = 0;
        long batches = 0;
        foreach (FileScanResult result in results)
        {
            if (result.Error != null)
            {
                throw result.Error;
            }
            bytes += result.FileLength;
            dropped.AddRange(result.Dropped);
            ReadOnlySpan<byte> items = result.Items.WrittenSpan;
            foreach ((long dataOffset, int start, int length) in result.Batches)
            {
                string? error = index.ApplyBatch((uint)result.Seq, dataOffset, items.Slice(start, length));
                if (error != null)
                {
                    throw new CorruptionException(result.Path, dataOffset, error);
                }
                batches++;
            }
        }

        for (int i = 0; i < results.Length; i++)
        {
            FileScanResult result = results[i];
            if (!result.HeaderValid)
            {
                // Under TolerateTailCorruption this is the newest file, being created when the process died: remove
                // it. Under TolerateAnyCorruption the file stays on disk for inspection.
                if (mode == RecoveryMode.TolerateTailCorruption)
                {
                    File.Delete(result.Path);
                }
                continue;
            }
            long length = result.FileLength;
            if (mode == RecoveryMode.TolerateTailCorruption && result.ValidLength < result.FileLength)
            {
                using (FileStream stream = new(result.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
                {
                    stream.SetLength(result.ValidLength);
                    stream.Flush(flushToDisk: true);
                }
                length = result.ValidLength;
            }
            files.Add((result.Seq, length));
        }
        return new RecoveryReport(results.Length, bytes, batches, dropped, watch.Elapsed);
    }
}
