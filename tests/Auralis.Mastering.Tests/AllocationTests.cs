using Auralis.Mastering.Dsp;
using Auralis.Mastering.Tests.Support;
using M = Auralis.Mastering.Tests.Support.Mastering;

namespace Auralis.Mastering.Tests;

/// <summary>The per-block paths allocate nothing once constructed (NAudio's EffectAllocationTests).</summary>
public sealed class AllocationTests
{
    private const int Rate = ZoneSignals.Rate;

    private static long AllocatedBy(Action block)
    {
        block(); // warm-up: JIT, first-call paths
        block();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
        {
            block();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void Processors_allocate_nothing_per_block()
    {
        var x = ZoneSignals.CompressedLoud(1);
        var block = x.AsSpan(0, 2 * 4096).ToArray();
        var output = new float[block.Length];
        var eq = Equalizer.Create(Rate, 2, MasteringPresets.Warm.Eq);
        var compressor = new Compressor(Rate, 2, MasteringPresets.Punchy.Compressor);
        var expander = new TransientExpander(Rate, 2, 0.45, -0.5);
        var limiter = new TruePeakLimiter(Rate, 2, -1.0);
        var meter = new Measurement.LoudnessMeter(Rate, 2);
        Assert.Equal(0, AllocatedBy(() => eq.Process(block)));
        Assert.Equal(0, AllocatedBy(() => compressor.Process(block)));
        Assert.Equal(0, AllocatedBy(() => expander.Process(block)));
        Assert.Equal(0, AllocatedBy(() => limiter.Process(block, output)));
        // The meter keeps one double per 100 ms block; in between, nothing.
        Assert.Equal(0, AllocatedBy(() => meter.Push(block.AsSpan(0, 2 * 400))));
    }

    [Fact]
    public void Whole_chain_allocates_nothing_per_block()
    {
        var audio = ZoneSignals.QuietDynamic(4);
        var plan = M.Plan(audio, "punchy");
        var chain = new MasteringChain(plan, 0.7);
        var block = audio.AsSpan(0, 2 * 4096).ToArray();
        var output = new float[block.Length];
        Assert.Equal(0, AllocatedBy(() => chain.Process(block, output)));
    }
}
