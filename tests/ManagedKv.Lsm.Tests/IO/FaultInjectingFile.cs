using ManagedKv.Lsm.Table;


namespace ManagedKv.Lsm.Tests.IO;

/// <summary>
/// Wraps an <see cref="IRandomAccessFile"/> and damages what reads return: flips a byte at a chosen file offset, or
/// fails reads that touch a chosen range with an IOException (leveldb's fault-injection Env, for reads).
/// Never exposes memory directly, so every read goes through the damage.
/// </summary>
internal sealed unsafe class FaultInjectingFile : IRandomAccessFile
{
    private readonly IRandomAccessFile _inner;

    public FaultInjectingFile(IRandomAccessFile inner) => _inner = inner;

    /// <summary>File offset whose byte is XORed with 0x40 on every read; -1 = none.</summary>
    public long FlipOffset { get; set; } = -1;

    /// <summary>Reads overlapping [FailFrom, FailTo) throw; FailFrom = -1 disables.</summary>
    public long FailFrom { get; set; } = -1;

    public long FailTo { get; set; }

    public int Reads { get; private set; }

    public bool Disposed { get; private set; }

    public string Path => _inner.Path;

    public long Length => _inner.Length;

    public int Read(long offset, Span<byte> destination)
    {
        Reads++;
        if (FailFrom >= 0 && offset < FailTo && offset + destination.Length > FailFrom)
        {
            throw new IOException($"injected read failure at {offset} in '{Path}'");
        }
        int n = _inner.Read(offset, destination);
        if (FlipOffset >= offset && FlipOffset < offset + n)
        {
            destination[(int)(FlipOffset - offset)] ^= 0x40;
        }
        return n;
    }

    public bool IsMapped => false;

    public bool TryGetPointer(long offset, int length, out byte* pointer)
    {
        pointer = null;
        return false;
    }

    public void Dispose()
    {
        Disposed = true;
        _inner.Dispose();
    }
}
