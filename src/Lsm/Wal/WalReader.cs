using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm.Wal;

/// <summary>
/// Reads the logical records of one WAL file (FORMAT-WAL.md) from the start, reassembling fragments, and
/// applies a <see cref="WalRecoveryMode"/> to damage:
/// - a zero header followed only by zeros and no valid record (a memory-mapped log's preallocated tail, or a
///   block's zero trailer) is the clean end of the log in every mode;
/// - damage is a checksum mismatch, a length running past its block, an unknown type, a fragment out of order,
///   a zero header followed by data, or a record cut short by the end of the file;
/// - damage is a "tail" when no valid physical record follows it anywhere in the file.
/// Dropped bytes and the first damage are exposed for the caller's log.
///
/// Not thread-safe: one thread reads. A record returned by <see cref="TryReadRecord"/> is valid until the next call.
/// </summary>
internal sealed class WalReader : IDisposable
{
    private readonly string _path;
    private readonly WalRecoveryMode _mode;
    private readonly SafeFileHandle _handle;
    private readonly long _fileLength;

    // The block being parsed: file bytes [_blockStart, _blockStart + _blockLength), parsed up to _pos.
    // Invariant: _blockStart is a multiple of BlockSize; _blockLength < BlockSize only for the file's last block.
    private byte[] _block;
    private long _blockStart;
    private int _blockLength;
    private int _pos;

    // Reassembly of a fragmented record.
    private byte[] _scratch;
    private int _scratchLength;

    // Forward probing for valid records after damage, memoized so repeated damage does not rescan the file.
    private byte[]? _probe;
    private long _probeHit = -1;                    // a block start known to hold a valid physical record
    private long _probeClearFrom = long.MaxValue;   // no block start at or after this holds one
    private bool _done;
    private bool _disposed;

    /// <summary>Opens <paramref name="path"/> for reading from its first byte.</summary>
    public WalReader(string path, ulong logNumber, WalRecoveryMode mode)
    {
        _path = path;
        LogNumber = logNumber;
        _mode = mode;
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        _fileLength = RandomAccess.GetLength(_handle);
        _block = ArrayPool<byte>.Shared.Rent(WalFormat.BlockSize);
        _scratch = ArrayPool<byte>.Shared.Rent(WalFormat.BlockSize);
        _blockStart = -WalFormat.BlockSize; // first load moves to block 0
    }

    /// <summary>The log number the caller opened.</summary>
    public ulong LogNumber { get; }

    /// <summary>The recovery mode applied.</summary>
    public WalRecoveryMode Mode => _mode;

    /// <summary>Bytes of damaged or incomplete records dropped so far (zero preallocation is not counted).</summary>
    public long DroppedBytes { get; private set; }

    /// <summary>Number of damage events tolerated so far (each dropped one or more records).</summary>
    public int DropCount { get; private set; }

    /// <summary>File offset of the first tolerated damage, -1 if none.</summary>
    public long FirstDropOffset { get; private set; } = -1;

    /// <summary>Which check the first tolerated damage failed, null if none.</summary>
    public string? FirstDropReason { get; private set; }

    /// <summary>File offset just past the last record returned: where the valid log ends.</summary>
    public long LastRecordEnd { get; private set; }

    /// <summary>
    /// Reads the next logical record. Returns false at the end of the log (or, in PointInTimeRecovery, at the first
    /// damage). <paramref name="record"/> stays valid until the next call; <paramref name="recordOffset"/> is the file
    /// offset of its first physical record. Throws <see cref="CorruptionException"/> as the mode demands.
    /// </summary>
    public bool TryReadRecord(out ReadOnlySpan<byte> record, out long recordOffset)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        record = default;
        recordOffset = -1;
        bool inFragment = false;   // a First has been seen and no Last yet
        bool resyncing = false;    // after skipping damage: drop Middle/Last until a record starts
        long fragmentStart = 0;
        long fragmentEnd = 0;
        _scratchLength = 0;
        while (!_done)
        {
            PhysicalResult result = ReadPhysical(out ReadOnlySpan<byte> fragment, out long offset, out string? reason, out long damagedLength);
            switch (result)
            {
                case PhysicalResult.Full:
                    if (inFragment && !Damage(fragmentStart, fragmentEnd - fragmentStart, "fragmented record without its last part", tail: false))
                    {
                        return false;
                    }
                    record = fragment;
                    recordOffset = offset;
                    LastRecordEnd = _blockStart + _pos;
                    return true;

                case PhysicalResult.First:
                    if (inFragment && !Damage(fragmentStart, fragmentEnd - fragmentStart, "fragmented record without its last part", tail: false))
                    {
                        return false;
                    }
                    inFragment = true;
                    resyncing = false;
                    fragmentStart = offset;
                    fragmentEnd = _blockStart + _pos;
                    _scratchLength = 0;
                    AppendScratch(fragment);
                    break;

                case PhysicalResult.Middle:
                case PhysicalResult.Last:
                    if (!inFragment)
                    {
                        long length = _blockStart + _pos - offset;
                        if (resyncing)
                        {
                            DroppedBytes += length;
                            break;
                        }
                        if (!Damage(offset, length, "fragment without a first part", tail: false))
                        {
                            return false;
                        }
                        resyncing = true;
                        break;
                    }
                    AppendScratch(fragment);
                    fragmentEnd = _blockStart + _pos;
                    if (result == PhysicalResult.Last)
                    {
                        record = _scratch.AsSpan(0, _scratchLength);
                        recordOffset = fragmentStart;
                        LastRecordEnd = fragmentEnd;
                        return true;
                    }
                    break;

                case PhysicalResult.End:
                    if (inFragment)
                    {
                        Damage(fragmentStart, fragmentEnd - fragmentStart, "incomplete fragmented record at the end of the log", tail: true);
                    }
                    _done = true;
                    return false;

                case PhysicalResult.BadTail:
                case PhysicalResult.Bad:
                    if (inFragment)
                    {
                        damagedLength += offset - fragmentStart;
                        offset = fragmentStart;
                        inFragment = false;
                    }
                    if (!Damage(offset, damagedLength, reason!, result == PhysicalResult.BadTail))
                    {
                        return false;
                    }
                    // SkipAnyCorruptedRecords: resume at the next block, where a physical record must start.
                    _pos = _blockLength;
                    resyncing = true;
                    break;
            }
        }
        return false;
    }

    /// <summary>Closes the file and returns the buffers.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _handle.Dispose();
        ArrayPool<byte>.Shared.Return(_block);
        ArrayPool<byte>.Shared.Return(_scratch);
        if (_probe is not null)
        {
            ArrayPool<byte>.Shared.Return(_probe);
        }
    }

    // Applies the recovery mode to damage at [offset, offset + length). Returns true to keep reading
    // (SkipAnyCorruptedRecords past non-tail damage), false when reading ends; throws when the mode demands.
    private bool Damage(long offset, long length, string reason, bool tail)
    {
        bool fatal = _mode switch
        {
            WalRecoveryMode.AbsoluteConsistency => true,
            WalRecoveryMode.TolerateCorruptedTailRecords => !tail,
            _ => false,
        };
        if (fatal)
        {
            _done = true;
            string where = tail ? " (at the tail of the log)" : " (followed by valid records)";
            ThrowHelper.ThrowCorruption(_path, offset, reason + where);
        }
        DroppedBytes += length;
        DropCount++;
        if (FirstDropOffset < 0)
        {
            FirstDropOffset = offset;
            FirstDropReason = reason;
        }
        if (tail || _mode != WalRecoveryMode.SkipAnyCorruptedRecords)
        {
            _done = true;
            return false;
        }
        return true;
    }

    private enum PhysicalResult
    {
        Full = WalRecordType.Full,
        First = WalRecordType.First,
        Middle = WalRecordType.Middle,
        Last = WalRecordType.Last,
        End,
        Bad,
        BadTail,
    }

    // Parses the next physical record; offset is where it (or the damage) starts.
    private PhysicalResult ReadPhysical(out ReadOnlySpan<byte> fragment, out long offset, out string? reason, out long damagedLength)
    {
        fragment = default;
        offset = -1;
        reason = null;
        damagedLength = 0;
        while (true)
        {
            int available = _blockLength - _pos;
            offset = _blockStart + _pos;
            if (available < WalFormat.HeaderSize)
            {
                bool lastBlock = _blockStart + _blockLength >= _fileLength;
                if (lastBlock)
                {
                    if (available > 0 && !IsAllZero(_block.AsSpan(_pos, available)))
                    {
                        reason = "truncated record header";
                        damagedLength = available;
                        _pos = _blockLength;
                        return PhysicalResult.BadTail;
                    }
                    _pos = _blockLength;
                    return PhysicalResult.End;
                }
                // A block trailer (zero padding by the writer): skip to the next block.
                LoadNextBlock();
                continue;
            }

            ReadOnlySpan<byte> rest = _block.AsSpan(_pos, available);
            uint expected = BinaryPrimitives.ReadUInt32LittleEndian(rest);
            int length = BinaryPrimitives.ReadUInt16LittleEndian(rest[4..]);
            byte type = rest[6];

            if (type == (byte)WalRecordType.Zero && length == 0)
            {
                // Unwritten (preallocated) space ends the log if nothing but zeros and invalid blocks follow.
                if (IsAllZero(rest) && !ValidRecordAtLaterBlock())
                {
                    _pos = _blockLength;
                    return PhysicalResult.End;
                }
                reason = "zero record header followed by data";
                damagedLength = available;
                return Classify(-1);
            }
            if (WalFormat.HeaderSize + length > available)
            {
                bool cutByEndOfFile = _blockStart + _blockLength >= _fileLength && _pos + WalFormat.HeaderSize + length <= WalFormat.BlockSize;
                reason = cutByEndOfFile ? "record truncated by the end of the file" : "bad record length";
                damagedLength = available;
                return Classify(-1);
            }
            int physicalLength = WalFormat.HeaderSize + length;
            if (type < (byte)WalRecordType.Full || type > (byte)WalRecordType.Last)
            {
                reason = $"unknown record type {type}";
                damagedLength = available;
                return Classify(_pos + physicalLength);
            }
            ReadOnlySpan<byte> payload = rest.Slice(WalFormat.HeaderSize, length);
            if (WalFormat.ChecksumOf((WalRecordType)type, payload) != expected)
            {
                reason = "checksum mismatch";
                damagedLength = available;
                return Classify(_pos + physicalLength);
            }
            _pos += physicalLength;
            fragment = payload;
            return (PhysicalResult)type;
        }
    }

    // Damage at _pos: tail unless a valid physical record follows, either in the same block by following the
    // damaged record's length (when it is plausible, <paramref name="chainFrom"/> >= 0) or at a later block start.
    private PhysicalResult Classify(int chainFrom)
    {
        bool follows = false;
        if (chainFrom >= 0)
        {
            int p = chainFrom;
            while (!follows && _blockLength - p >= WalFormat.HeaderSize)
            {
                ReadOnlySpan<byte> rest = _block.AsSpan(p, _blockLength - p);
                if (IsValidPhysical(rest))
                {
                    follows = true;
                    break;
                }
                int length = BinaryPrimitives.ReadUInt16LittleEndian(rest[4..]);
                if (length == 0 && rest[6] == 0)
                {
                    break;
                }
                p += WalFormat.HeaderSize + length;
            }
        }
        follows = follows || ValidRecordAtLaterBlock();
        return follows ? PhysicalResult.Bad : PhysicalResult.BadTail;
    }

    private static bool IsValidPhysical(ReadOnlySpan<byte> rest)
    {
        if (rest.Length < WalFormat.HeaderSize)
        {
            return false;
        }
        int length = BinaryPrimitives.ReadUInt16LittleEndian(rest[4..]);
        byte type = rest[6];
        if (type < (byte)WalRecordType.Full || type > (byte)WalRecordType.Last || WalFormat.HeaderSize + length > rest.Length)
        {
            return false;
        }
        return WalFormat.ChecksumOf((WalRecordType)type, rest.Slice(WalFormat.HeaderSize, length)) == BinaryPrimitives.ReadUInt32LittleEndian(rest);
    }

    // True when some block after the current one starts with a valid physical record (every block begins with a
    // record header, so a surviving write after damage shows up at a block start unless it sits in the same block).
    private bool ValidRecordAtLaterBlock()
    {
        long from = _blockStart + WalFormat.BlockSize;
        if (_probeHit >= from)
        {
            return true;
        }
        if (from >= _probeClearFrom)
        {
            return false;
        }
        _probe ??= ArrayPool<byte>.Shared.Rent(WalFormat.BlockSize);
        Span<byte> header = stackalloc byte[WalFormat.HeaderSize];
        for (long start = from; start + WalFormat.HeaderSize <= _fileLength && start < _probeClearFrom; start += WalFormat.BlockSize)
        {
            if (RandomAccess.Read(_handle, header, start) < WalFormat.HeaderSize)
            {
                break;
            }
            byte type = header[6];
            int length = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
            if (type < (byte)WalRecordType.Full || type > (byte)WalRecordType.Last || WalFormat.HeaderSize + length > WalFormat.BlockSize)
            {
                continue;
            }
            int want = (int)Math.Min(WalFormat.HeaderSize + length, _fileLength - start);
            int read = ReadFully(_probe.AsSpan(0, want), start);
            if (IsValidPhysical(_probe.AsSpan(0, read)))
            {
                _probeHit = start;
                return true;
            }
        }
        _probeClearFrom = from;
        return false;
    }

    private void LoadNextBlock()
    {
        _blockStart += WalFormat.BlockSize;
        int want = (int)Math.Clamp(_fileLength - _blockStart, 0, WalFormat.BlockSize);
        _blockLength = ReadFully(_block.AsSpan(0, want), _blockStart);
        _pos = 0;
    }

    private int ReadFully(Span<byte> destination, long offset)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int n = RandomAccess.Read(_handle, destination[total..], offset + total);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }

    private void AppendScratch(ReadOnlySpan<byte> fragment)
    {
        if (_scratchLength + fragment.Length > _scratch.Length)
        {
            byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(_scratch.Length * 2, _scratchLength + fragment.Length));
            _scratch.AsSpan(0, _scratchLength).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = larger;
        }
        fragment.CopyTo(_scratch.AsSpan(_scratchLength));
        _scratchLength += fragment.Length;
    }

    private static bool IsAllZero(ReadOnlySpan<byte> bytes) => !bytes.ContainsAnyExcept((byte)0);
}
