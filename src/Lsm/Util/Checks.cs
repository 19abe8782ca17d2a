namespace ManagedKv.Lsm.Util;

/// <summary>Structural checks of records read back from disk.</summary>
internal static class Checks
{
    public static void RequireBatchHeader(ReadOnlySpan<byte> record, string path, long offset)
    {
        if (record.Length < WriteBatchFormat.HeaderSize)
        {
            ThrowHelper.ThrowCorruption(path, offset, $"WAL record of {record.Length} bytes is shorter than a write batch header");
        }
    }
}
