using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// The fixed-size tail of an SST (FORMAT.md, "Footer"):
/// <code>
/// metaindex handle | index handle | zero padding to 40 bytes | format_version fixed32 | checksum fixed32 | magic fixed64
/// </code>
/// The checksum covers the first 44 bytes (handles, padding, version) with tag <see cref="TableFormat.FooterChecksumTag"/>.
/// Every version keeps version, checksum and magic as the last 16 bytes so a reader can refuse an unknown version.
/// </summary>
internal readonly struct Footer
{
    public Footer(BlockHandle metaindexHandle, BlockHandle indexHandle, uint version)
    {
        MetaindexHandle = metaindexHandle;
        IndexHandle = indexHandle;
        Version = version;
    }

    /// <summary>The table's format version: 1 (index of internal keys) or 2 (index of user keys).</summary>
    public uint Version { get; }

    public BlockHandle MetaindexHandle { get; }

    public BlockHandle IndexHandle { get; }

    public void EncodeTo(Span<byte> destination)
    {
        Span<byte> footer = destination[..TableFormat.FooterSize];
        footer.Clear();
        int n = MetaindexHandle.EncodeTo(footer);
        IndexHandle.EncodeTo(footer[n..]);
        const int versionOffset = 2 * BlockHandle.MaxEncodedLength;
        Coding.WriteFixed32(footer[versionOffset..], Version);
        Coding.WriteFixed32(footer[(versionOffset + 4)..], Checksum.Compute(footer[..(versionOffset + 4)], TableFormat.FooterChecksumTag));
        Coding.WriteFixed64(footer[(versionOffset + 8)..], TableFormat.Magic);
    }

    /// <summary>Decodes and checks a footer read from <paramref name="fileOffset"/> of <paramref name="path"/>.</summary>
    public static Footer Decode(ReadOnlySpan<byte> footer, string path, long fileOffset)
    {
        const int versionOffset = 2 * BlockHandle.MaxEncodedLength;
        if (footer.Length != TableFormat.FooterSize)
        {
            ThrowHelper.ThrowCorruption(path, fileOffset, $"file too short for an SST footer ({footer.Length} bytes)");
        }
        ulong magic = Coding.ReadFixed64(footer[(versionOffset + 8)..]);
        if (magic != TableFormat.Magic)
        {
            ThrowHelper.ThrowCorruption(path, fileOffset, $"bad SST magic number 0x{magic:x16}");
        }
        uint version = Coding.ReadFixed32(footer[versionOffset..]);
        if (version != TableFormat.FormatVersion && version != TableFormat.FormatVersionInternalKeyIndex)
        {
            ThrowHelper.ThrowCorruption(path, fileOffset, $"unsupported SST format version {version} (this build reads versions 1 and {TableFormat.FormatVersion})");
        }
        uint stored = Coding.ReadFixed32(footer[(versionOffset + 4)..]);
        if (stored != Checksum.Compute(footer[..(versionOffset + 4)], TableFormat.FooterChecksumTag))
        {
            ThrowHelper.ThrowCorruption(path, fileOffset, "footer checksum mismatch");
        }
        int n = BlockHandle.TryDecode(footer[..versionOffset], out BlockHandle metaindex);
        BlockHandle index = default;
        if (n == 0 || BlockHandle.TryDecode(footer[n..versionOffset], out index) == 0)
        {
            ThrowHelper.ThrowCorruption(path, fileOffset, "malformed block handle in footer");
        }
        return new Footer(metaindex, index, version);
    }
}
