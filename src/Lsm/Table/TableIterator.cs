using ManagedKv.Lsm.Iterators;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// Two-level iterator over one SST: an index-block cursor picks data blocks, a data-block cursor walks them; empty
/// positions at block ends move to the neighbouring block in the direction of travel. Holds a reference to its
/// <see cref="TableReader"/> and to the blocks it reads (block cache handles) until it moves off them, is
/// <see cref="Reset"/> to another table, or is disposed. Not thread-safe. The current key and value stay valid until
/// the next move.
/// Reusable: a level iterator keeps one and resets it onto each file it crosses, so crossing a file boundary
/// allocates nothing (a new iterator per file cost two block cursors and their key buffers every time).
/// Sequential runs of block reads that miss the cache are served by readahead windows (<see cref="BlockReadahead"/>).
/// </summary>
internal sealed class TableIterator : IInternalIterator
{
    private readonly BlockIterator _index = new();
    private readonly BlockIterator _data = new();
    private readonly BlockReadahead _readahead = new();
    private TableReader? _reader;     // null after Dispose (or before the first Reset)
    private bool _fillCache;
    private BlockContents _indexBlock; // released on Reset / Dispose
    private BlockContents _dataBlock;  // the current data block
    private byte[]? _scratch;          // data blocks read without filling the cache land here
    private bool _hasDataBlock;
    private ulong _dataBlockOffset;
    // Invariant: _hasDataBlock implies _data is reset to _dataBlock, the block at _dataBlockOffset that _index points at.

    /// <summary>An iterator over <paramref name="reader"/>, adopting one reference the caller already took on it.</summary>
    public TableIterator(TableReader reader, bool fillCache)
    {
        Reset(reader, fillCache);
    }

    /// <summary>An iterator bound to no table yet: <see cref="Reset"/> it before use.</summary>
    public TableIterator()
    {
    }

    public bool Valid => _hasDataBlock && _data.Valid;

    public ReadOnlySpan<byte> Key => _data.Key;

    public ReadOnlySpan<byte> Value => _data.Value;

    /// <summary>The table this iterator reads, or null when unbound.</summary>
    internal TableReader? Reader => _reader;

    /// <summary>
    /// Rebinds the iterator to <paramref name="reader"/>, adopting one reference the caller already took on it;
    /// drops the blocks and the reference of the previous table. Not positioned afterwards. When reading the index
    /// block fails, the reference is dropped and the iterator is left unbound.
    /// </summary>
    public void Reset(TableReader reader, bool fillCache)
    {
        Unbind();
        _reader = reader;
        _fillCache = fillCache;
        try
        {
            _indexBlock = reader.GetIndexBlock();
            reader.ResetIndexIterator(_indexBlock, _index);
        }
        catch
        {
            Unbind();
            throw;
        }
    }

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
        _index.Seek(_reader!.IndexSeekKey(target));
        if (LoadDataBlock())
        {
            _data.Seek(target);
        }
        SkipEmptyBlocksForward();
    }

    public void SeekForPrev(ReadOnlySpan<byte> target)
    {
        // The first block whose separator is >= target holds the last key <= target, or its predecessor does.
        _index.Seek(_reader!.IndexSeekKey(target));
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
        if (!_data.Valid)
        {
            SkipEmptyBlocksForward();
        }
    }

    public void Prev()
    {
        _data.Prev();
        if (!_data.Valid)
        {
            SkipEmptyBlocksBackward();
        }
    }

    public void Dispose() => Unbind();

    private void Unbind()
    {
        DropDataBlock();
        _readahead.Reset();
        _index.Clear();
        _indexBlock.Release();
        TableReader? reader = _reader;
        _reader = null;
        reader?.Unref();
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
        TableReader? reader = _reader;
        if (reader == null)
        {
            Util.ThrowHelper.ThrowObjectDisposed(nameof(TableIterator));
        }
        if (!_index.Valid)
        {
            DropDataBlock();
            return false;
        }
        BlockHandle handle = reader.DecodeIndexValue(_index.Value);
        if (_hasDataBlock && handle.Offset == _dataBlockOffset)
        {
            return true;
        }
        DropDataBlock();
        _dataBlock = reader.ReadDataBlock(handle, _fillCache, ref _scratch, _readahead);
        _dataBlock.ResetIterator(_data, internalKeys: true, reader.Path, (long)handle.Offset);
        _dataBlockOffset = handle.Offset;
        _hasDataBlock = true;
        return true;
    }

    private void DropDataBlock()
    {
        _hasDataBlock = false;
        _data.Clear();
        _dataBlock.Release();
    }
}
