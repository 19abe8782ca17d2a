using System.Collections.Concurrent;
using ManagedKv.Node.Store;

namespace ManagedKv.Node.Tests;

/// <summary>An <see cref="IWriteTaskCallback"/> that queues finished tasks for the test thread.</summary>
public sealed class TaskCollector : IWriteTaskCallback
{
    private readonly BlockingCollection<WriteTask> _done = [];

    public List<WriteTask> All { get; } = [];

    public void OnWriteTaskDone(WriteTask task)
    {
        lock (All)
        {
            All.Add(task);
        }

        _done.Add(task);
    }

    public WriteTask Take()
    {
        Assert.True(_done.TryTake(out WriteTask? task, TimeSpan.FromSeconds(30)), "write task did not come back");
        return task!;
    }
}
