namespace ManagedKv.Lsm.Table;

/// <summary>
/// A read-only file read at explicit offsets (pread semantics: no shared file position), used by table readers.
/// Thread-safe: any number of threads may read concurrently. Disposing while reads are in flight is a bug; table
/// readers guarantee it by reference counting.
/// </summary>
internal unsafe interface IRandomAccessFile : IDisposable
{
    /// <summary>The file name, for error messages.</summary>
    string Path { get; }

    /// <summary>The file length in bytes.</summary>
    long Length { get; }

    /// <summary>
    /// Reads up to <c>destination.Length</c> bytes at <paramref name="offset"/>; returns the bytes read, fewer only
    /// at the end of the file.
    /// </summary>
    int Read(long offset, Span<byte> destination);

    /// <summary>Whether the file is mapped into memory (<see cref="TryGetPointer"/> can expose its bytes).</summary>
    bool IsMapped { get; }

    /// <summary>
    /// When the file is mapped into memory, returns the address of the bytes [offset, offset + length) without
    /// copying them; the memory stays valid until the file is disposed. Returns false when the file cannot expose
    /// memory (the caller then uses <see cref="Read"/>), the range is outside the file, or the mapped pages it would
    /// add to the process do not fit the mapped-page budget the file was opened with.
    /// </summary>
    bool TryGetPointer(long offset, int length, out byte* pointer);
}
