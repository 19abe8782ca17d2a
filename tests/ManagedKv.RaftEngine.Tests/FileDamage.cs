namespace ManagedKv.RaftEngine.Tests;

/// <summary>Damages log files on purpose for corruption tests.</summary>
internal static class FileDamage
{
    /// <summary>Flips bit 6 of the byte at <paramref name="offset"/> of <paramref name="path"/>.</summary>
    public static void FlipByte(string path, long offset)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        f.Position = offset;
        int b = f.ReadByte();
        f.Position = offset;
        f.WriteByte((byte)(b ^ 0x40));
    }
}
