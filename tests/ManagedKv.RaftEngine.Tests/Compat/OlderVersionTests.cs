using System.Buffers.Binary;

namespace ManagedKv.RaftEngine.Tests.Compat;

/// <summary>
/// Files of an older format version read to the same logical state as when they were written (FORMAT.md,
/// "Versioning"): Fixtures/v2 holds the files <see cref="CompatWorkload"/> left under format version 2 (commit
/// eb308b8) and the dump the version 2 code read back from them.
/// </summary>
public sealed class OlderVersionTests
{
    private static string FixtureDir(string version) => Path.Combine(AppContext.BaseDirectory, "Compat", "Fixtures", version);

    private static string Expected(string version) => File.ReadAllText(Path.Combine(FixtureDir(version), "expected.dump"));

    private static void CopyFixture(string version, string to)
    {
        foreach (string file in Directory.GetFiles(FixtureDir(version), "*.raftlog"))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    [Theory]
    [InlineData(RecoveryMode.AbsoluteConsistency)]
    [InlineData(RecoveryMode.TolerateTailCorruption)]
    [InlineData(RecoveryMode.TolerateAnyCorruption)]
    public void VersionTwoFilesReadToTheStateTheyWereWrittenWith(RecoveryMode mode)
    {
        using var dir = new TempDir();
        CopyFixture("v2", dir.Path);
        foreach (string file in dir.LogFiles())
        {
            Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(File.ReadAllBytes(file).AsSpan(8)));
        }
        RaftEngineOptions options = CompatWorkload.Options();
        options.RecoveryMode = mode;
        using var engine = RaftLogEngine.Open(dir.Path, options);
        Assert.Empty(engine.RecoveryReport.DroppedRanges);
        Assert.Equal(Expected("v2"), CompatWorkload.Dump(engine));
    }

    [Fact]
    public void VersionTwoFilesAreFollowedByCurrentVersionFiles()
    {
        using var dir = new TempDir();
        CopyFixture("v2", dir.Path);
        string expected;
        using (var engine = RaftLogEngine.Open(dir.Path, CompatWorkload.Options()))
        {
            var batch = new LogBatch();
            batch.AddEntries(2, 102, new ReadOnlyMemory<byte>[] { new byte[] { 1, 2, 3 } });
            batch.PutState(2, "raft_state"u8, "newer"u8);
            batch.Compact(1, 80);
            engine.Write(batch, sync: true);
            expected = CompatWorkload.Dump(engine);
            Assert.Contains("entry 102 3 ", expected, StringComparison.Ordinal);
        }
        using (var engine = RaftLogEngine.Open(dir.Path, CompatWorkload.Options()))
        {
            Assert.Equal(expected, CompatWorkload.Dump(engine));
            Assert.Equal(80UL, engine.FirstIndex(1));
        }
        string[] files = dir.LogFiles();
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(File.ReadAllBytes(files[0]).AsSpan(8)));
        Assert.Equal(LogFileFormat.Version, BinaryPrimitives.ReadUInt32LittleEndian(File.ReadAllBytes(files[^1]).AsSpan(8)));
    }

    [Fact]
    public void TheWorkloadWrittenInTheCurrentFormatHasTheSameState()
    {
        using var dir = new TempDir();
        using (var engine = RaftLogEngine.Open(dir.Path, CompatWorkload.Options()))
        {
            CompatWorkload.Run(engine);
            Assert.Equal(Expected("v2"), CompatWorkload.Dump(engine));
        }
        using (var engine = RaftLogEngine.Open(dir.Path, CompatWorkload.Options()))
        {
            Assert.Equal(Expected("v2"), CompatWorkload.Dump(engine));
        }
    }
}
