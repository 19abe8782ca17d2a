namespace ManagedKv.RaftEngine.Tests;

/// <summary>Entry payloads for tests, reproducible from their seed, region and index.</summary>
internal static class TestEntries
{
    /// <summary><paramref name="size"/> pseudo-random bytes determined by (seed, region, index).</summary>
    public static byte[] Random(int seed, ulong region, ulong index, int size)
    {
        var bytes = new byte[size];
        new System.Random(HashCode.Combine(seed, region, index)).NextBytes(bytes);
        return bytes;
    }
}
