using System.Buffers.Binary;
using ManagedKv.Lsm.Util;
using Microsoft.Win32.SafeHandles;

namespace ManagedKv.RaftEngine;

/// <summary>
/// Reads one log file front to back, verifying the file header, every batch header checksum and every entry block
/// checksum (FORMAT.md), and collects the valid batches' items for replay. What happens at the first bad batch
/// depends on the <see cref="RecoveryMode"/>. One scanner per file; files are scanned in parallel.
/// </summary>
internal sealed class LogFileScanner
{
    private const int WindowSize = 4 << 20;

    private readonly FileScanResult _result;
    private readonly SafeFileHandle _handle;
    private readonly RecoveryMode _mode;
    private readonly bool _isLast;
    private readonly long _length;

    // Where the file's data ends: the length its successor's header recorded, else the file length.
    private readonly long _end;
    private readonly bool _endKnown;
    private uint _version;
    private uint _expectedTag;
    private byte[] _window = new byte[WindowSize];
    private long _windowStart;
    private int _windowLength;

    private LogFileScanner(FileScanResult result, SafeFileHandle handle, RecoveryMode mode, bool isLast, long knownEnd)
    {
        _result = result;
        _handle = handle;
        _mode = mode;
        _isLast = isLast;
        _length = RandomAccess.GetLength(handle);
        _endKnown = knownEnd >= 0;
        _end = _endKnown ? Math.Min(knownEnd, _length) : _length;
        result.FileLength = _length;
    }

    /// <summary>
    /// Scans file <paramref name="seq"/>. <paramref name="knownEnd"/> is the data length its successor's header
    /// recorded, or -1 when unknown (the newest file, or a successor that does not record it).
    /// </summary>
    public static FileScanResult Scan(ulong seq, string path, RecoveryMode mode, bool isLast, long knownEnd)
    {
        var result = new FileScanResult(seq, path);
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var scanner = new LogFileScanner(result, handle, mode, isLast, knownEnd);
        scanner.Run();
        return result;
    }

    private void Run()
    {
        string? headerError = LogFileFormat.CheckHeader(Window(0, (int)Math.Min(_length, LogFileFormat.HeaderSize)), _result.Seq, out LogFileHeader header);
        if (headerError == null && _endKnown && _end < header.Size)
        {
            headerError = $"file is shorter than the {_end} bytes its successor recorded";
        }
        if (headerError == null && _endKnown && _length < _end)
        {
            headerError = $"file has {_length} bytes, fewer than the {_end} its successor recorded";
        }
        if (headerError != null)
        {
            _result.ValidLength = 0;
            if (_mode == RecoveryMode.AbsoluteConsistency || (_mode == RecoveryMode.TolerateTailCorruption && !_isLast))
            {
                _result.Error = new CorruptionException(_result.Path, 0, headerError);
            }
            else
            {
                _result.Dropped.Add(new CorruptedRange(_result.Path, 0, _length, headerError));
            }
            return;
        }
        _result.HeaderValid = true;
        _result.Version = header.Version;
        _version = header.Version;
        _expectedTag = header.Version == 1 ? BatchFormat.Flags : (uint)_result.Seq;
        long offset = header.Size;
        while (offset < _end)
        {
            string? error = TryParseBatch(offset, record: true, out long total);
            if (error == null)
            {
                offset += total;
                continue;
            }
            if (!_endKnown && _version >= 2 && IsCleanEnd(offset))
            {
                // The zero terminator after the last append (FORMAT.md, "End of data"): the data ends here.
                _result.ValidLength = offset;
                return;
            }
            switch (_mode)
            {
                case RecoveryMode.AbsoluteConsistency:
                    _result.Error = new CorruptionException(_result.Path, offset, error);
                    _result.ValidLength = offset;
                    return;
                case RecoveryMode.TolerateTailCorruption:
                    if (!_isLast)
                    {
                        _result.Error = new CorruptionException(_result.Path, offset, error);
                    }
                    else
                    {
                        _result.Dropped.Add(new CorruptedRange(_result.Path, offset, _end - offset, error));
                    }
                    _result.ValidLength = offset;
                    return;
                default:
                    long next = Resync(offset + 1);
                    _result.Dropped.Add(new CorruptedRange(_result.Path, offset, next - offset, error));
                    if (next >= _end && !_endKnown)
                    {
                        // Nothing valid follows: the data ends at the damage (not at the preallocated end).
                        _result.ValidLength = offset;
                        return;
                    }
                    offset = next;
                    break;
            }
        }
        _result.ValidLength = _end;
    }

    // Versions 2-3: the data ends where a zero batch header is (FORMAT.md, "End of data"): every append is followed
    // by 16 zero bytes, and a file's first batch position is zeroed when the file is created or recycled. Version 3
    // looks at the 5 bytes of a zero checksum and items length (no batch has an empty items section): the writer's
    // bytes held back to the end of a mapped copy cover them even when a group's header and items are shorter than
    // the terminator.
    private bool IsCleanEnd(long offset)
    {
        int marker = _version >= 3 ? BatchFormat.EndMarkerSizeV3 : BatchFormat.TerminatorSize;
        int available = (int)Math.Min(marker, _end - offset);
        return !Window(offset, available).ContainsAnyExcept((byte)0);
    }

    // The next offset at or after `from` where a whole valid batch parses, or the end of the file.
    private long Resync(long from)
    {
        int smallest = _version >= 3 ? BatchFormat.MinHeaderSize : BatchFormat.HeaderSizeV2;
        for (long offset = from; offset + smallest <= _end; offset++)
        {
            if (TryParseBatch(offset, record: false, out _) == null)
            {
                return offset;
            }
        }
        return _end;
    }

    // Batch := header items data (FORMAT.md, "Batch"). Returns null if valid, else the failed check.
    private string? TryParseBatch(long offset, bool record, out long total)
    {
        total = 0;
        string? error = _version >= 3
            ? TryParseHeaderV3(offset, out uint checksum, out int headerLength, out long itemsLength, out long totalLength)
            : TryParseHeaderV2(offset, out checksum, out headerLength, out itemsLength, out totalLength);
        if (error != null)
        {
            return error;
        }
        if (totalLength > _end - offset)
        {
            return _endKnown ? "batch extends past the data length recorded by the next file" : "batch extends past the end of the file";
        }
        ReadOnlySpan<byte> batch = Window(offset, (int)totalLength);
        if (Checksum.Compute(batch[4..(headerLength + (int)itemsLength)], _result.Seq) != checksum)
        {
            return "batch checksum mismatch";
        }
        if (_version < 3)
        {
            uint tag = BinaryPrimitives.ReadUInt32LittleEndian(batch[12..]);
            if (tag != _expectedTag)
            {
                return _version == 1 ? $"unknown batch flags {tag}" : $"batch file tag {tag} does not match the file's sequence {_result.Seq}";
            }
        }
        ReadOnlySpan<byte> items = batch.Slice(headerLength, (int)itemsLength);
        ReadOnlySpan<byte> data = batch[(headerLength + (int)itemsLength)..];
        var reader = new BatchItemReader(items, _version);
        BatchItem item = default;
        int dataUsed = 0;
        while (!reader.AtEnd)
        {
            if (!reader.TryRead(ref item, out string? itemError))
            {
                return itemError;
            }
            if (item.Tag != BatchFormat.TagEntries)
            {
                continue;
            }
            if (item.BlockLength > data.Length - dataUsed)
            {
                return "entry block extends past the batch";
            }
            ReadOnlySpan<byte> block = data.Slice(dataUsed, item.BlockLength);
            int stored = block.Length - BatchFormat.BlockTrailerSize;
            if (Checksum.Compute(block[..stored], item.Compression) != BinaryPrimitives.ReadUInt32LittleEndian(block[stored..]))
            {
                return "entry block checksum mismatch";
            }
            dataUsed += item.BlockLength;
        }
        if (dataUsed != data.Length)
        {
            return "batch data length does not match its blocks";
        }
        total = totalLength;
        if (record)
        {
            _result.Batches.Add((offset + headerLength + itemsLength, _result.Items.Length, (int)itemsLength));
            _result.Items.Write(items);
        }
        return null;
    }

    // Versions 1-2: checksum u32, totalLength u32, itemsLength u32, file tag u32 (checked after the checksum).
    private string? TryParseHeaderV2(long offset, out uint checksum, out int headerLength, out long itemsLength, out long totalLength)
    {
        checksum = 0;
        headerLength = BatchFormat.HeaderSizeV2;
        itemsLength = 0;
        totalLength = 0;
        if (_end - offset < BatchFormat.HeaderSizeV2)
        {
            return "truncated batch header";
        }
        ReadOnlySpan<byte> header = Window(offset, BatchFormat.HeaderSizeV2);
        checksum = BinaryPrimitives.ReadUInt32LittleEndian(header);
        totalLength = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        itemsLength = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        if (itemsLength == 0 || totalLength > BatchFormat.MaxBatchSize || totalLength < BatchFormat.HeaderSizeV2 + itemsLength)
        {
            return "bad batch length";
        }
        return null;
    }

    // Version 3: checksum u32, itemsLength varint, dataLength varint (at most 5 bytes each).
    private string? TryParseHeaderV3(long offset, out uint checksum, out int headerLength, out long itemsLength, out long totalLength)
    {
        checksum = 0;
        headerLength = 0;
        itemsLength = 0;
        totalLength = 0;
        int available = (int)Math.Min(BatchFormat.MaxHeaderSize, _end - offset);
        if (available < BatchFormat.MinHeaderSize)
        {
            return "truncated batch header";
        }
        ReadOnlySpan<byte> header = Window(offset, available);
        checksum = BinaryPrimitives.ReadUInt32LittleEndian(header);
        int n1 = Coding.TryReadVarint64(header[4..Math.Min(available, 9)], out ulong items);
        ulong data = 0;
        int n2 = n1 == 0 ? 0 : Coding.TryReadVarint64(header[(4 + n1)..Math.Min(available, 9 + n1)], out data);
        if (n1 == 0 || n2 == 0)
        {
            return "truncated or overlong batch header length";
        }
        headerLength = 4 + n1 + n2;
        if (items == 0 || items > BatchFormat.MaxBatchSize || data > BatchFormat.MaxBatchSize
            || (ulong)headerLength + items + data > BatchFormat.MaxBatchSize)
        {
            return "bad batch length";
        }
        itemsLength = (long)items;
        totalLength = headerLength + (long)(items + data);
        return null;
    }

    // The file's bytes [offset, offset + count), read through a sliding window. REQUIRES: offset + count <= _length.
    private ReadOnlySpan<byte> Window(long offset, int count)
    {
        if (offset < _windowStart || offset + count > _windowStart + _windowLength)
        {
            if (count > _window.Length)
            {
                _window = new byte[count];
            }
            int want = (int)Math.Min(_window.Length, _length - offset);
            int done = 0;
            while (done < want)
            {
                int n = RandomAccess.Read(_handle, _window.AsSpan(done, want - done), offset + done);
                if (n == 0)
                {
                    break;
                }
                done += n;
            }
            _windowStart = offset;
            _windowLength = done;
            if (done < count)
            {
                ThrowHelper.ThrowCorruption(_result.Path, offset, "file shrank while being recovered");
            }
        }
        return _window.AsSpan((int)(offset - _windowStart), count);
    }
}
