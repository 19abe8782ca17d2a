using ManagedKv.Lsm.Iterators;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// Two-level iterator over one SST: an index-block cursor picks data blocks, a data-block cursor walks them; empty
/// positions at block ends move to the neighbouring block in the direction of travel. Holds a reference to its
/// <see cref="TableReader"/> until disposed. Not thread-safe. The current key and value stay valid until the next move.
/// </summary>
internal sealed class TableIterator : IInternalIterator
{
    private readonly TableReader _reader;
    private readonly bool _fillCache;
    private readonly BlockIterator _index = new();
    private readonly BlockIterator _data = new();
    private byte[]? _pooledIndex;     // returned on Dispose
    private byte[]? _pooledData;      // the current data block when it came from the array pool
    private bool _hasDataBlock;
    private ulong _dataBlockOffset;
    private bool _disposed;
    // Invariant: _hasDataBlock implies _data is reset to the block at _dataBlockOffset, the one _index points at.

    public TableIterator(TableReader reader, bool fillCache)
    {
        _reader = reader;
        _fillCache = fillCache;
        _index.Reset(reader.GetIndexBlock(out _pooledIndex), internalKeys: true, reader.Path, reader.IndexBlockOffset);
    }

    public bool Valid => _hasDataBlock && _data.Valid;

    public ReadOnlySpan<byte> Key => _data.Key;

    public ReadOnlySpan<byte> Value => _data.Value;

    public void SeekToFirst()
    {
        _index.SeekToFirst();
        if (LoadDataBlock())
        {
            _data.SeekToFirst();
        }
        SkipEmptyBlocksForward();
    }

    public void SeekToLast()
    {
        _index.SeekToLast();
        if (LoadDataBlock())
        {
            _data.SeekToLast();
        }
        SkipEmptyBlocksBackward();
    }

    public void Seek(ReadOnlySpan<byte> target)
    {
        _index.Seek(target);
        if (LoadDataBlock())
        {
            _data.Seek(target);
        }
        SkipEmptyBlocksForward();
    }

    public void SeekForPrev(ReadOnlySpan<byte> target)
    {
        // The first block whose separator is >= target holds the last key <= target, or its predecessor does.
        _index.Seek(target);
        if (!_index.Valid)
        {
            _index.SeekToLast();
        }
        if (LoadDataBlock())
        {
            _data.SeekForPrev(target);
        }
        SkipEmptyBlocksBackward();
    }

    public void Next()
    {
        _data.Next();
        SkipEmptyBlocksForward();
    }

    public void Prev()
    {
        _data.Prev();
        SkipEmptyBlocksBackward();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        DropDataBlock();
        _index.Clear();
        TableReader.ReturnPooled(_pooledIndex);
        _pooledIndex = null;
        _reader.Unref();
    }

    private void SkipEmptyBlocksForward()
    {
        while (_hasDataBlock && !_data.Valid)
        {
            _index.Next();
            if (LoadDataBlock())
            {
                _data.SeekToFirst();
            }
        }
    }

    private void SkipEmptyBlocksBackward()
    {
        while (_hasDataBlock && !_data.Valid)
        {
            _index.Prev();
            if (LoadDataBlock())
            {
                _data.SeekToLast();
            }
        }
    }

    /// <summary>Points _data at the block _index is on; false (and no block) when _index is not valid.</summary>
    private bool LoadDataBlock()
    {
        if (_disposed)
        {
            Util.ThrowHelper.ThrowObjectDisposed(nameof(TableIterator));
        }
        if (!_index.Valid)
        {
            DropDataBlock();
            return false;
        }
        BlockHandle handle = _reader.DecodeIndexValue(_index.Value);
        if (_hasDataBlock && handle.Offset == _dataBlockOffset)
        {
            return true;
        }
        DropDataBlock();
        ReadOnlyMemory<byte> block = _reader.ReadDataBlock(handle, _fillCache, out _pooledData);
        _data.Reset(block, internalKeys: true, _reader.Path, (long)handle.Offset);
        _dataBlockOffset = handle.Offset;
        _hasDataBlock = true;
        return true;
    }

    private void DropDataBlock()
    {
        _hasDataBlock = false;
        _data.Clear();
        TableReader.ReturnPooled(_pooledData);
        _pooledData = null;
    }
}
