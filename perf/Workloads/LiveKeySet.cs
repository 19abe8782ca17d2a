namespace ManagedKv.Perf.Workloads;

/// <summary>
/// The harness's model of which key numbers an engine's DB holds: one bit per key number, set by writes and
/// cleared by deletes (atomically, so concurrent writer threads may share it). Gives the live data size for space
/// amplification and the expected outcome of every lookup, so a wrong answer from an engine is counted.
/// </summary>
internal sealed class LiveKeySet
{
    private readonly ulong[] _bits;

    public LiveKeySet(long capacity)
    {
        Capacity = capacity;
        _bits = new ulong[(capacity + 63) / 64];
    }

    public long Capacity { get; }

    public void Add(ulong number) => Interlocked.Or(ref _bits[number >> 6], 1UL << (int)(number & 63));

    public void Remove(ulong number) => Interlocked.And(ref _bits[number >> 6], ~(1UL << (int)(number & 63)));

    public bool Contains(ulong number) => (Volatile.Read(ref _bits[number >> 6]) & (1UL << (int)(number & 63))) != 0;

    /// <summary>Writes the bits to <paramref name="path"/> (a child process hands the model back this way).</summary>
    public void Save(string path)
    {
        using FileStream file = File.Create(path);
        Span<byte> header = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(header, Capacity);
        file.Write(header);
        file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_bits.AsSpan()));
    }

    /// <summary>Reads a set written by <see cref="Save"/>.</summary>
    public static LiveKeySet Load(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        long capacity = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(bytes);
        var set = new LiveKeySet(capacity);
        if (bytes.Length != 8 + set._bits.Length * 8)
        {
            throw new InvalidDataException($"{path}: {bytes.Length} bytes, expected {8 + set._bits.Length * 8}");
        }
        bytes.AsSpan(8).CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(set._bits.AsSpan()));
        return set;
    }

    public long Count()
    {
        long count = 0;
        foreach (ulong word in _bits)
        {
            count += System.Numerics.BitOperations.PopCount(word);
        }
        return count;
    }
}
