namespace ManagedKv.Raft.Tests;

public sealed class InflightsTests
{
    [Fact]
    public void AddFillsTheWindowAndFreeLEReleasesInOrder()
    {
        var inf = new Inflights(10);
        for (ulong i = 0; i < 5; i++)
        {
            inf.Add(i);
        }

        Assert.Equal(5, inf.Count);
        inf.FreeLE(2);
        Assert.Equal(2, inf.Count);

        // Wrap around the ring.
        for (ulong i = 5; i < 13; i++)
        {
            inf.Add(i);
        }

        Assert.True(inf.Full);
        Assert.Throws<InvalidOperationException>(() => inf.Add(13));
        inf.FreeLE(7);
        Assert.Equal(5, inf.Count);
        inf.FreeLE(100);
        Assert.Equal(0, inf.Count);
    }

    [Fact]
    public void FreeBelowTheFirstIsANoOpAndFreeFirstOneFreesOne()
    {
        var inf = new Inflights(4);
        inf.Add(10);
        inf.Add(20);
        inf.FreeLE(5);
        Assert.Equal(2, inf.Count);
        inf.FreeFirstOne();
        Assert.Equal(1, inf.Count);
        inf.Reset();
        Assert.Equal(0, inf.Count);
    }

    [Fact]
    public void RandomizedAgainstAQueueModel()
    {
        for (int seed = 0; seed < 50; seed++)
        {
            var rng = new Random(seed);
            int cap = 1 + rng.Next(16);
            var inf = new Inflights(cap);
            var model = new Queue<ulong>();
            ulong next = 1;
            for (int op = 0; op < 500; op++)
            {
                if (rng.Next(2) == 0 && model.Count < cap)
                {
                    next += (ulong)rng.Next(1, 4);
                    inf.Add(next);
                    model.Enqueue(next);
                }
                else
                {
                    ulong to = next - (ulong)rng.Next(0, 6);
                    inf.FreeLE(to);
                    while (model.Count > 0 && model.Peek() <= to)
                    {
                        model.Dequeue();
                    }
                }

                Assert.True(model.Count == inf.Count, $"seed {seed} op {op}: model {model.Count} inflights {inf.Count}");
                Assert.Equal(model.Count == cap, inf.Full);
            }
        }
    }
}
