using System.Text;
using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// Encodes and decodes the properties block (FORMAT.md, "Properties"): a block with restart interval 1 whose keys
/// are UTF-8 property names in bytewise order; numbers are varint64 values, strings UTF-8, keys raw bytes.
/// User-collected properties sit in the same block under their own (non-reserved) names. Stateless.
/// </summary>
internal static class TablePropertiesCodec
{
    /// <summary>Returns the block contents for <paramref name="properties"/> (built-ins plus user-collected).</summary>
    public static byte[] Encode(TableProperties properties)
    {
        var entries = new List<KeyValuePair<byte[], byte[]>>(24 + properties.UserCollectedProperties.Count);
        void AddNumber(string name, ulong value)
        {
            var buffer = new byte[Coding.VarintLength(value)];
            Coding.WriteVarint64(buffer, value);
            entries.Add(new(Encoding.UTF8.GetBytes(name), buffer));
        }
        void AddString(string name, string value) => entries.Add(new(Encoding.UTF8.GetBytes(name), Encoding.UTF8.GetBytes(value)));

        AddNumber(TablePropertyNames.NumEntries, properties.NumEntries);
        AddNumber(TablePropertyNames.NumDeletions, properties.NumDeletions);
        AddNumber(TablePropertyNames.RawKeySize, properties.RawKeySize);
        AddNumber(TablePropertyNames.RawValueSize, properties.RawValueSize);
        AddNumber(TablePropertyNames.DataSize, properties.DataSize);
        AddNumber(TablePropertyNames.IndexSize, properties.IndexSize);
        AddNumber(TablePropertyNames.FilterSize, properties.FilterSize);
        AddNumber(TablePropertyNames.NumDataBlocks, properties.NumDataBlocks);
        AddString(TablePropertyNames.Compression, properties.CompressionName);
        AddNumber(TablePropertyNames.CreationTime, (ulong)properties.CreationTime);
        AddString(TablePropertyNames.ColumnFamilyName, properties.ColumnFamilyName);
        AddNumber(TablePropertyNames.ColumnFamilyId, properties.ColumnFamilyId);
        AddNumber(TablePropertyNames.FormatVersion, properties.FormatVersion);
        AddString(TablePropertyNames.Comparator, properties.ComparatorName);
        AddString(TablePropertyNames.FilterPolicy, properties.FilterPolicyName);
        AddNumber(TablePropertyNames.SmallestSequence, properties.SmallestSequence);
        AddNumber(TablePropertyNames.LargestSequence, properties.LargestSequence);
        // Written only when not the default, so tables without prefix filtering keep their exact bytes.
        if (properties.PrefixExtractorName.Length != 0)
        {
            AddString(TablePropertyNames.PrefixExtractorName, properties.PrefixExtractorName);
        }
        if (!properties.WholeKeyFiltering)
        {
            AddNumber(TablePropertyNames.WholeKeyFiltering, 0);
        }
        entries.Add(new(Encoding.UTF8.GetBytes(TablePropertyNames.SmallestKey), properties.SmallestKey));
        entries.Add(new(Encoding.UTF8.GetBytes(TablePropertyNames.LargestKey), properties.LargestKey));
        if (properties.IsExternalFile)
        {
            AddNumber(TablePropertyNames.ExternalFileVersion, TableFormat.ExternalFileVersion);
        }
        foreach (KeyValuePair<string, byte[]> user in properties.UserCollectedProperties)
        {
            if (TablePropertyNames.IsReserved(user.Key))
            {
                ThrowHelper.ThrowArgument($"user property name '{user.Key}' uses a reserved prefix");
            }
            entries.Add(new(Encoding.UTF8.GetBytes(user.Key), user.Value));
        }
        entries.Sort(static (a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));

        var block = new BlockBuilder(TableFormat.MetaBlockRestartInterval);
        for (int i = 0; i < entries.Count; i++)
        {
            if (i > 0 && entries[i].Key.AsSpan().SequenceEqual(entries[i - 1].Key))
            {
                ThrowHelper.ThrowArgument($"duplicate property '{Encoding.UTF8.GetString(entries[i].Key)}'");
            }
            block.Add(entries[i].Key, entries[i].Value);
        }
        return block.Finish().ToArray();
    }

    /// <summary>Decodes a properties block read from <paramref name="path"/> at <paramref name="blockOffset"/>.</summary>
    public static TableProperties Decode(ReadOnlyMemory<byte> block, string path, long blockOffset)
    {
        var properties = new TableProperties();
        Dictionary<string, byte[]>? user = null;
        var it = new BlockIterator();
        it.Reset(block, internalKeys: false, path, blockOffset);
        byte[]? previous = null;
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            ReadOnlySpan<byte> key = it.Key;
            if (previous != null && key.SequenceCompareTo(previous) <= 0)
            {
                ThrowHelper.ThrowCorruption(path, blockOffset, "properties out of order");
            }
            previous = key.ToArray();
            string name = DecodeUtf8(key, path, blockOffset);
            ReadOnlySpan<byte> value = it.Value;
            switch (name)
            {
                case TablePropertyNames.NumEntries: properties.NumEntries = Number(value, name, path, blockOffset); break;
                case TablePropertyNames.NumDeletions: properties.NumDeletions = Number(value, name, path, blockOffset); break;
                case TablePropertyNames.RawKeySize: properties.RawKeySize = Number(value, name, path, blockOffset); break;
                case TablePropertyNames.RawValueSize: properties.RawValueSize = Number(value, name, path, blockOffset); break;
                case TablePropertyNames.DataSize: properties.DataSize = Number(value, name, path, blockOffset); break;
                case TablePropertyNames.IndexSize: properties.IndexSize = Number(value, name, path, blockOffset); break;
                case TablePropertyNames.FilterSize: properties.FilterSize = Number(value, name, path, blockOffset); break;
                case TablePropertyNames.NumDataBlocks: properties.NumDataBlocks = Number(value, name, path, blockOffset); break;
                case TablePropertyNames.Compression: properties.CompressionName = DecodeUtf8(value, path, blockOffset); break;
                case TablePropertyNames.CreationTime: properties.CreationTime = (long)Number(value, name, path, blockOffset); break;
                case TablePropertyNames.ColumnFamilyName: properties.ColumnFamilyName = DecodeUtf8(value, path, blockOffset); break;
                case TablePropertyNames.ColumnFamilyId: properties.ColumnFamilyId = (uint)Number(value, name, path, blockOffset); break;
                case TablePropertyNames.FormatVersion: properties.FormatVersion = (uint)Number(value, name, path, blockOffset); break;
                case TablePropertyNames.Comparator: properties.ComparatorName = DecodeUtf8(value, path, blockOffset); break;
                case TablePropertyNames.FilterPolicy: properties.FilterPolicyName = DecodeUtf8(value, path, blockOffset); break;
                case TablePropertyNames.SmallestSequence: properties.SmallestSequence = Number(value, name, path, blockOffset); break;
                case TablePropertyNames.LargestSequence: properties.LargestSequence = Number(value, name, path, blockOffset); break;
                case TablePropertyNames.PrefixExtractorName: properties.PrefixExtractorName = DecodeUtf8(value, path, blockOffset); break;
                case TablePropertyNames.WholeKeyFiltering: properties.WholeKeyFiltering = Number(value, name, path, blockOffset) != 0; break;
                case TablePropertyNames.SmallestKey: properties.SmallestKey = value.ToArray(); break;
                case TablePropertyNames.LargestKey: properties.LargestKey = value.ToArray(); break;
                case TablePropertyNames.ExternalFileVersion:
                    if (Number(value, name, path, blockOffset) != TableFormat.ExternalFileVersion)
                    {
                        ThrowHelper.ThrowCorruption(path, blockOffset, "unknown external SST version");
                    }
                    properties.IsExternalFile = true;
                    break;
                default:
                    if (!TablePropertyNames.IsReserved(name))
                    {
                        (user ??= new Dictionary<string, byte[]>(StringComparer.Ordinal))[name] = value.ToArray();
                    }
                    break; // an unknown built-in from a later version: ignored
            }
        }
        if (user != null)
        {
            properties.UserCollectedProperties = user;
        }
        return properties;
    }

    private static ulong Number(ReadOnlySpan<byte> value, string name, string path, long blockOffset)
    {
        if (Coding.TryReadVarint64(value, out ulong number) != value.Length || value.IsEmpty)
        {
            ThrowHelper.ThrowCorruption(path, blockOffset, $"malformed number in property '{name}'");
        }
        return number;
    }

    private static string DecodeUtf8(ReadOnlySpan<byte> bytes, string path, long blockOffset)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            ThrowHelper.ThrowCorruption(path, blockOffset, "property name or value is not valid UTF-8");
            return null!;
        }
    }
}
