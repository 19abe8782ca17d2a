using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Util;
using ValueType = ManagedKv.Lsm.Keys.ValueType;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// The collectors of one SST being written: created from a column family's factories when the file is opened, fed
/// every entry by the <see cref="TableBuilder"/>, and finished into the file's user-collected properties. Driven by
/// the one thread that builds the file.
/// </summary>
internal sealed class TablePropertiesCollectorSet
{
    private readonly ITablePropertiesCollector[] _collectors;

    private TablePropertiesCollectorSet(ITablePropertiesCollector[] collectors) => _collectors = collectors;

    /// <summary>Collectors for one file, or null when <paramref name="factories"/> is empty.</summary>
    public static TablePropertiesCollectorSet? Create(IReadOnlyList<ITablePropertiesCollectorFactory>? factories, TablePropertiesCollectorContext context)
    {
        if (factories is null || factories.Count == 0)
        {
            return null;
        }
        var collectors = new ITablePropertiesCollector[factories.Count];
        for (int i = 0; i < collectors.Length; i++)
        {
            collectors[i] = factories[i].CreateTablePropertiesCollector(context)
                ?? throw new InvalidOperationException($"Table properties collector factory '{factories[i].Name}' returned null.");
        }
        return new TablePropertiesCollectorSet(collectors);
    }

    /// <summary>Hands one entry (internal key and value) to every collector.</summary>
    public void Add(ReadOnlySpan<byte> internalKey, ReadOnlySpan<byte> value, long fileSize)
    {
        ulong trailer = InternalKey.Trailer(internalKey);
        EntryType type = (ValueType)(byte)trailer switch
        {
            ValueType.Value => EntryType.Put,
            ValueType.Deletion => EntryType.Delete,
            ValueType.RangeDeletion => EntryType.RangeDeletion,
            _ => EntryType.Other,
        };
        ReadOnlySpan<byte> userKey = InternalKey.UserKey(internalKey);
        ulong sequence = trailer >> 8;
        foreach (ITablePropertiesCollector c in _collectors)
        {
            c.Add(userKey, value, type, sequence, fileSize);
        }
    }

    /// <summary>The properties of every collector merged; a name returned twice or a reserved name is an error.</summary>
    public IReadOnlyDictionary<string, byte[]> Finish()
    {
        var all = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (ITablePropertiesCollector c in _collectors)
        {
            IReadOnlyDictionary<string, byte[]> props = c.Finish();
            if (props is null)
            {
                continue;
            }
            foreach (KeyValuePair<string, byte[]> p in props)
            {
                if (TablePropertyNames.IsReserved(p.Key))
                {
                    ThrowHelper.ThrowInvalidOperation($"Table properties collector '{c.Name}' returned reserved property name '{p.Key}'.");
                }
                if (!all.TryAdd(p.Key, p.Value ?? []))
                {
                    ThrowHelper.ThrowInvalidOperation($"Table properties collector '{c.Name}' returned property '{p.Key}', which another collector also returned.");
                }
            }
        }
        return all;
    }
}
