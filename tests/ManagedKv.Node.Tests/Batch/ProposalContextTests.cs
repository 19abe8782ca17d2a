using ManagedKv.Node.Batch;

namespace ManagedKv.Node.Tests.Batch;

/// <summary>Golden bytes of the batch system's entry context (src/Node/FORMAT.md, "Entry context").</summary>
public sealed class ProposalContextTests
{
    [Fact]
    public void GoldenProposalContext()
    {
        byte[] context = ProposalContext.Encode(0x0102030405060708);
        Assert.Equal(Convert.FromHexString("0807060504030201"), context);
        Assert.Equal(0x0102030405060708UL, ProposalContext.Decode(context));
    }

    [Fact]
    public void OtherContextsCarryNoId()
    {
        Assert.Equal(0UL, ProposalContext.Decode([]));
        Assert.Equal(0UL, ProposalContext.Decode(new byte[7]));
        Assert.Equal(0UL, ProposalContext.Decode(new byte[9]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProposalContext.Encode(0));
    }
}
