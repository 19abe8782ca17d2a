using ManagedKv.Lsm.Db;
using ManagedKv.Lsm.Version;

namespace ManagedKv.Lsm;

// Listener notifications of job starts and the statistics of finished compactions.
public sealed partial class LsmDb
{
    /// <summary>REQUIRES: DB mutex held.</summary>
    private void NotifyFlushBegin(ColumnFamily cf, List<ImmutableMemTable> imms)
    {
        if (_listeners.Length == 0)
        {
            return;
        }
        long entries = 0;
        ulong smallest = ulong.MaxValue;
        ulong largest = 0;
        foreach (ImmutableMemTable imm in imms)
        {
            entries += (long)imm.Mem.NumEntries;
            if (!imm.Mem.IsEmpty)
            {
                smallest = Math.Min(smallest, imm.Mem.FirstSequence);
                largest = Math.Max(largest, imm.Mem.LargestSequence);
            }
        }
        var info = new FlushBeginInfo(cf.Name, imms.Count, entries, smallest == ulong.MaxValue ? 0 : smallest, largest);
        foreach (IEventListener l in _listeners)
        {
            l.OnFlushBegin(info);
        }
    }

    /// <summary>REQUIRES: DB mutex held.</summary>
    private void NotifyCompactionBegin(Compaction.Compaction c)
    {
        if (_listeners.Length == 0)
        {
            return;
        }
        var info = new CompactionBeginInfo(c.ColumnFamily.Name, c.StartLevel, c.OutputLevel, c.Reason, c.IsTrivialMove && !c.IsManual,
            c.IsManual, FileNumbers(c.StartInputs, c.OutputInputs), c.InputBytes);
        foreach (IEventListener l in _listeners)
        {
            l.OnCompactionBegin(info);
        }
    }

    private void RecordCompactionStatistics(Compaction.Compaction c, Compaction.TableOutputWriter? writer)
    {
        if (writer is null)
        {
            return; // a trivial move reads and writes nothing
        }
        _statistics.Record(Ticker.CompactReadBytes, c.InputBytes);
        _statistics.Record(Ticker.CompactWriteBytes, writer.BytesWritten);
        if (writer.EntriesRemovedByFilter > 0)
        {
            _statistics.Record(Ticker.CompactionKeyDropUser, writer.EntriesRemovedByFilter);
        }
        if (writer.EntriesChangedByFilter > 0)
        {
            _statistics.Record(Ticker.CompactionValueChangedUser, writer.EntriesChangedByFilter);
        }
    }

    /// <summary>What the compaction filter factory is told about <paramref name="c"/>. REQUIRES: DB mutex held.</summary>
    private static CompactionFilterContext NewCompactionFilterContext(Compaction.Compaction c)
    {
        Version.Version v = c.InputVersion;
        int inputs = c.StartInputs.Count + c.OutputInputs.Count;
        int total = 0;
        for (int level = 0; level < v.NumLevels; level++)
        {
            total += v.NumFiles(level);
        }
        bool bottommost = true;
        if (inputs > 0)
        {
            (byte[] lo, byte[] hi) = Compaction.CompactionPicker.UserKeyRange(AllInputs(c));
            for (int level = c.OutputLevel + 1; level < v.NumLevels && bottommost; level++)
            {
                bottommost = v.GetOverlappingInputs(level, lo, hi).Count == 0;
            }
        }
        ColumnFamily cf = c.ColumnFamily;
        return new CompactionFilterContext(IsFullCompaction: inputs == total, IsManualCompaction: c.IsManual, IsBottommostLevel: bottommost,
            c.StartLevel, c.OutputLevel, cf.Id, cf.Name);
    }

    private static List<FileMetaData> AllInputs(Compaction.Compaction c)
    {
        var all = new List<FileMetaData>(c.StartInputs.Count + c.OutputInputs.Count);
        all.AddRange(c.StartInputs);
        all.AddRange(c.OutputInputs);
        return all;
    }
}
