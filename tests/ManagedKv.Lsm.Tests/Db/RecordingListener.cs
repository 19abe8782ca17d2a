using System.Collections.Concurrent;

namespace ManagedKv.Lsm.Tests.Db;

/// <summary>Records every event, in order.</summary>
internal sealed class RecordingListener : IEventListener
{
    public ConcurrentQueue<object> Events { get; } = new();

    public IEnumerable<CompactionJobInfo> Compactions => Events.OfType<CompactionJobInfo>();

    public void OnFlushBegin(FlushBeginInfo info) => Events.Enqueue(info);

    public void OnFlushCompleted(FlushJobInfo info) => Events.Enqueue(info);

    public void OnCompactionBegin(CompactionBeginInfo info) => Events.Enqueue(info);

    public void OnCompactionCompleted(CompactionJobInfo info) => Events.Enqueue(info);

    public void OnStallConditionsChanged(WriteStallInfo info) => Events.Enqueue(info);

    public void OnBackgroundError(BackgroundErrorInfo info) => Events.Enqueue(info);
}
