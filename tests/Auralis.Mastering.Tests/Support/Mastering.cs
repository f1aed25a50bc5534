using Auralis.Fingerprinting;
using Auralis.Mastering.Rendering;

namespace Auralis.Mastering.Tests.Support;

/// <summary>Shortcuts for tests: a real fingerprint (managed engine), a plan, a one-pass render.</summary>
internal static class Mastering
{
    public static Fingerprint Fingerprint(float[] interleaved, int channels = 2, int rate = ZoneSignals.Rate)
    {
        using var analyzer = FingerprintEngines.Managed.CreateAnalyzer(rate, channels);
        analyzer.Push(interleaved);
        return analyzer.Finish();
    }

    public static MasteringPlan Plan(float[] interleaved, string preset, PlannerOptions? options = null, int channels = 2, int rate = ZoneSignals.Rate) =>
        MasteringPlanner.Plan(Fingerprint(interleaved, channels, rate), new InMemoryPcmSource(interleaved, rate, channels), preset, options);

    /// <summary>The whole track as one chunk.</summary>
    public static float[] RenderOnePass(MasteringPlan plan, float[] interleaved, double intensity, int blockFrames = 4096)
    {
        var source = new InMemoryPcmSource(interleaved, plan.SampleRate, plan.Channels);
        var options = new RenderOptions { ChunkSeconds = (interleaved.Length / plan.Channels / (double)plan.SampleRate) + 1, BlockFrames = blockFrames };
        using var renderer = MasteringRenderer.Open(source, plan, intensity, 0, options);
        var chunk = renderer.RenderNext();
        Assert.Null(renderer.RenderNext());
        return chunk?.Samples ?? [];
    }

    /// <summary>All chunks in order, concatenated.</summary>
    public static float[] RenderChunked(MasteringPlan plan, float[] interleaved, double intensity, RenderOptions? options = null)
    {
        var source = new InMemoryPcmSource(interleaved, plan.SampleRate, plan.Channels);
        using var renderer = MasteringRenderer.Open(source, plan, intensity, 0, options);
        var all = new List<float>();
        while (renderer.RenderNext() is { } chunk)
        {
            all.AddRange(chunk.Samples);
        }

        return [.. all];
    }
}
