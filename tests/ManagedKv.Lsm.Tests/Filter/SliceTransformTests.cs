using System.Text;

namespace ManagedKv.Lsm.Tests.Filter;

public sealed class SliceTransformTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void FixedPrefixTakesFirstBytesOfLongEnoughKeys()
    {
        ISliceTransform t = SliceTransform.Fixed(3);
        Assert.Equal("rocksdb.FixedPrefix.3", t.Name);
        Assert.True(t.InDomain(B("abc")));
        Assert.True(t.InDomain(B("abcdef")));
        Assert.False(t.InDomain(B("ab")));
        Assert.Equal(B("abc"), t.Transform(B("abcdef")).ToArray());
        Assert.Equal(B("abc"), t.Transform(B("abc")).ToArray());
    }

    [Fact]
    public void CappedPrefixTakesAtMostNBytesOfAnyKey()
    {
        ISliceTransform t = SliceTransform.Capped(3);
        Assert.Equal("rocksdb.CappedPrefix.3", t.Name);
        Assert.True(t.InDomain(B("")));
        Assert.True(t.InDomain(B("a")));
        Assert.Equal(B("a"), t.Transform(B("a")).ToArray());
        Assert.Equal(B("abc"), t.Transform(B("abcdef")).ToArray());
    }

    [Fact]
    public void BadLengthsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SliceTransform.Fixed(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SliceTransform.Capped(-1));
    }

    [Fact]
    public void TimestampSuffixTransformStripsTheTimestamp()
    {
        var t = new TimestampSuffixTransform();
        byte[] key = TimestampSuffixTransform.Key(B("user"), 42);
        Assert.Equal(12, key.Length);
        Assert.True(t.InDomain(key));
        Assert.False(t.InDomain(B("short")));
        Assert.Equal(B("user"), t.Transform(key).ToArray());
        // Newer timestamps sort first within a user key.
        Assert.True(TimestampSuffixTransform.Key(B("user"), 43).AsSpan().SequenceCompareTo(key) < 0);
    }
}
