namespace ManagedKv.RaftEngine.CrashChild;

/// <summary>The entry bytes the crash child writes, a pure function the parent test recomputes to verify.</summary>
public static class CrashContent
{
    public static byte[] Entry(ulong region, ulong index, ulong generation)
    {
        int size = 16 + (int)((region * 131 + index * 31 + generation) % 400);
        byte[] bytes = new byte[size];
        ulong x = (region << 40) ^ (index << 8) ^ generation ^ 0x9E3779B97F4A7C15UL;
        for (int i = 0; i < size; i++)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            bytes[i] = (byte)x;
        }
        return bytes;
    }
}
