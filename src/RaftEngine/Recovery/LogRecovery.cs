using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace ManagedKv.RaftEngine;

/// <summary>
/// Rebuilds the index from the log files at open: reads every file header (each version 2 header records its
/// predecessor's exact data length), scans the files in parallel (checksums are the expensive part), then replays
/// their batches in file order through <see cref="IndexMap.ApplyBatch"/>, the same code the write path uses. Drops
/// a torn tail of the newest file (TolerateTailCorruption). Also finds the files kept for recycling and deletes
/// unfinished prefills. Runs once, before the engine accepts calls.
/// </summary>
internal static class LogRecovery
{
    public static RecoveryReport Recover(string directory, RaftEngineOptions options, IndexMap index, List<(ulong Seq, long ValidLength)> files, List<string> recycled, out ulong nextSeq)
    {
        var watch = Stopwatch.StartNew();
        var found = new List<(ulong Seq, string Path)>();
        ulong maxRecycledSeq = 0;
        foreach (string path in Directory.EnumerateFiles(directory))
        {
            string name = Path.GetFileName(path);
            if (LogFileFormat.TryParseFileName(name, out ulong seq))
            {
                found.Add((seq, path));
            }
            else if (LogFileFormat.TryParseRecycleFileName(name, out ulong recycledSeq))
            {
                recycled.Add(path);
                maxRecycledSeq = Math.Max(maxRecycledSeq, recycledSeq);
            }
            else if (LogFileFormat.TryParsePrefillFileName(name, out ulong prefillSeq))
            {
                // A prefill the process did not finish (FORMAT.md, "Recycling"): never a log; the pipe prefills anew.
                File.Delete(path);
                maxRecycledSeq = Math.Max(maxRecycledSeq, prefillSeq);
            }
        }
        found.Sort(static (a, b) => a.Seq.CompareTo(b.Seq));
        recycled.Sort(StringComparer.Ordinal);
        // Sequence numbers are never reused, not even those of files recovery could not use or that were recycled.
        nextSeq = Math.Max(found.Count == 0 ? 1 : found[^1].Seq + 1, maxRecycledSeq + 1);

        // A file's data ends where its successor's header says, when the successor records it (version 2).
        var knownEnds = new long[found.Count];
        Array.Fill(knownEnds, -1L);
        Span<byte> headerBytes = stackalloc byte[LogFileFormat.HeaderSize];
        for (int i = 1; i < found.Count; i++)
        {
            using SafeFileHandle handle = File.OpenHandle(found[i].Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            int n = RandomAccess.Read(handle, headerBytes, 0);
            if (LogFileFormat.CheckHeader(headerBytes[..n], found[i].Seq, out LogFileHeader header) == null
                && header.Version >= 2 && header.PrevSeq == found[i - 1].Seq)
            {
                knownEnds[i - 1] = header.PrevLength;
            }
        }

        var results = new FileScanResult[found.Count];
        RecoveryMode mode = options.RecoveryMode;
        Parallel.For(0, found.Count, new ParallelOptions { MaxDegreeOfParallelism = options.RecoveryThreads }, i =>
            results[i] = LogFileScanner.Scan(found[i].Seq, found[i].Path, mode, i == found.Count - 1, knownEnds[i]));

        var dropped = new List<CorruptedRange>();
        long bytes = 0;
        long batches = 0;
        foreach (FileScanResult result in results)
        {
            if (result.Error != null)
            {
                throw result.Error;
            }
            bytes += result.ValidLength;
            dropped.AddRange(result.Dropped);
            ReadOnlySpan<byte> items = result.Items.WrittenSpan;
            foreach ((long dataOffset, int start, int length) in result.Batches)
            {
                string? error = index.ApplyBatch((uint)result.Seq, result.Version, dataOffset, items.Slice(start, length));
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
            long length = result.ValidLength;
            if (result.Version == 1 && mode == RecoveryMode.TolerateTailCorruption && result.ValidLength < result.FileLength)
            {
                // Version 1 files end at their length. (A version 2 file keeps its preallocated tail: the next
                // file's header records where its data ends.)
                using FileStream stream = new(result.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
                stream.SetLength(result.ValidLength);
                stream.Flush(flushToDisk: true);
            }
            files.Add((result.Seq, length));
        }
        return new RecoveryReport(results.Length, bytes, batches, dropped, watch.Elapsed);
    }
}
