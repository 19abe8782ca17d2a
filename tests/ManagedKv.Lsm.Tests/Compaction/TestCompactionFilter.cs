using System.Buffers;
using System.Collections.Concurrent;

namespace ManagedKv.Lsm.Tests.Compaction;

/// <summary>
/// Removes values starting with "gc", replaces values starting with "up" by "changed", keeps the rest; records the
/// contexts it was created with and the keys it saw.
/// </summary>
internal sealed class TestCompactionFilterFactory : ICompactionFilterFactory
{
    public string Name => "test.filter";

    public ConcurrentQueue<CompactionFilterContext> Contexts { get; } = new();

    public ConcurrentQueue<string> Seen { get; } = new();

    public int Disposed;

    public ICompactionFilter CreateCompactionFilter(CompactionFilterContext context)
    {
        Contexts.Enqueue(context);
        return new PrefixRuleFilter(this);
    }

    private sealed class PrefixRuleFilter(TestCompactionFilterFactory owner) : ICompactionFilter, IDisposable
    {
        public string Name => "test.filter";

        public CompactionFilterDecision Filter(int level, ReadOnlySpan<byte> key, ReadOnlySpan<byte> existingValue, IBufferWriter<byte> newValue)
        {
            owner.Seen.Enqueue(System.Text.Encoding.UTF8.GetString(key));
            if (existingValue.StartsWith("gc"u8))
            {
                return CompactionFilterDecision.Remove;
            }
            if (existingValue.StartsWith("up"u8))
            {
                newValue.Write("changed"u8);
                return CompactionFilterDecision.ChangeValue;
            }
            return CompactionFilterDecision.Keep;
        }

        public void Dispose() => Interlocked.Increment(ref owner.Disposed);
    }
}
