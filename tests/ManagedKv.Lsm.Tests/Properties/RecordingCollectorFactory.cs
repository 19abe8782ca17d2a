using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Text;

namespace ManagedKv.Lsm.Tests.Properties;

/// <summary>
/// A collector that records what it is given: per file the context and every entry, and in the file the entry count
/// and an XXH64 of (key, type, sequence, value) of every entry, so a test can check them against the file's contents.
/// </summary>
internal sealed class RecordingCollectorFactory : ITablePropertiesCollectorFactory
{
    public const string CountName = "test.count";
    public const string HashName = "test.hash";

    public string Name { get; }

    public RecordingCollectorFactory(string name = "Recording") => Name = name;

    public ConcurrentQueue<(TablePropertiesCollectorContext Context, List<(byte[] Key, EntryType Type, ulong Sequence, byte[] Value)> Entries)> Files { get; } = new();

    public ITablePropertiesCollector CreateTablePropertiesCollector(TablePropertiesCollectorContext context) => new Collector(this, context);

    public static ulong Hash(IEnumerable<(byte[] Key, EntryType Type, ulong Sequence, byte[] Value)> entries)
    {
        var h = new XxHash64();
        Span<byte> header = stackalloc byte[17];
        foreach ((byte[] key, EntryType type, ulong seq, byte[] value) in entries)
        {
            BinaryPrimitives.WriteInt32LittleEndian(header, key.Length);
            header[4] = (byte)type;
            BinaryPrimitives.WriteUInt64LittleEndian(header[5..], seq);
            BinaryPrimitives.WriteInt32LittleEndian(header[13..], value.Length);
            h.Append(header);
            h.Append(key);
            h.Append(value);
        }
        return h.GetCurrentHashAsUInt64();
    }

    private sealed class Collector : ITablePropertiesCollector
    {
        private readonly RecordingCollectorFactory _owner;
        private readonly TablePropertiesCollectorContext _context;
        private readonly List<(byte[], EntryType, ulong, byte[])> _entries = new();
        private long _lastFileSize = -1;

        public Collector(RecordingCollectorFactory owner, TablePropertiesCollectorContext context)
        {
            _owner = owner;
            _context = context;
        }

        public string Name => _owner.Name;

        public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, EntryType type, ulong sequence, long fileSize)
        {
            if (fileSize < _lastFileSize)
            {
                throw new InvalidOperationException("file size went backwards");
            }
            _lastFileSize = fileSize;
            _entries.Add((key.ToArray(), type, sequence, value.ToArray()));
        }

        public IReadOnlyDictionary<string, byte[]> Finish()
        {
            _owner.Files.Enqueue((_context, _entries));
            return new Dictionary<string, byte[]>
            {
                [_owner.Name + "." + CountName] = Encoding.UTF8.GetBytes(_entries.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                [_owner.Name + "." + HashName] = BitConverter.GetBytes(Hash(_entries)),
            };
        }
    }
}
