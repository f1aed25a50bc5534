using Auralis.Mastering.Measurement;
using Auralis.Tests.Support;

namespace Auralis.Mastering.Tests;

/// <summary>
/// Track loudness statistics against libebur128, the reference loudness taggers use: a track's
/// integrated loudness and true peak, and an album's integrated loudness from the pooled
/// histograms (BS.1770 gating over every block of every track, not a mean of track loudnesses).
/// </summary>
public sealed class TrackLoudnessTests
{
    private const int Rate = 44_100;

    /// <summary>Music-like stereo: a chord with a slow level swell, percussive bursts and quiet passages, by seed.</summary>
    private static float[] Track(int seed, double seconds, double levelDb)
    {
        var random = new Random(seed);
        var frames = (int)(seconds * Rate);
        var samples = new float[frames * 2];
        var gain = Math.Pow(10, levelDb / 20);
        var f0 = 110.0 * (1 + random.Next(12) / 12.0);
        for (var i = 0; i < frames; i++)
        {
            var t = (double)i / Rate;
            var swell = 0.3 + (0.7 * (0.5 + (0.5 * Math.Sin(2 * Math.PI * t / (7 + seed)))));
            var quiet = (int)(t / 5) % 4 == 3 ? 0.05 : 1.0;
            var tone = Math.Sin(2 * Math.PI * f0 * t) + (0.5 * Math.Sin(2 * Math.PI * f0 * 1.5 * t)) + (0.25 * Math.Sin(2 * Math.PI * f0 * 4 * t));
            // A percussive burst every second, band-limited (music has little energy near Nyquist,
            // where 4x and 8x oversampling read inter-sample peaks up to 0.7 dB apart).
            var since = (double)(i % Rate) / Rate;
            var burst = since < 0.05 ? 0.6 * Math.Exp(-since * 60) * Math.Sin((2 * Math.PI * 2000 * since) + seed) * Math.Sin(2 * Math.PI * 3100 * since) : 0.0;
            var left = gain * quiet * ((0.3 * swell * tone) + burst);
            var right = gain * quiet * ((0.28 * swell * tone) - (0.8 * burst));
            samples[2 * i] = (float)left;
            samples[(2 * i) + 1] = (float)right;
        }

        return samples;
    }

    private static TrackLoudness Measure(float[] samples)
    {
        var meter = new TrackLoudnessMeter(Rate, 2);
        for (var at = 0; at < samples.Length; at += 8192)
        {
            meter.Push(samples.AsSpan(at, Math.Min(8192, samples.Length - at)));
        }

        return meter.Finish();
    }

    [Fact]
    public void A_tracks_loudness_and_true_peak_agree_with_libebur128()
    {
        var samples = Track(1, 40, -6);
        var measured = Measure(samples);
        var (lufs, truePeak) = LibEbur128.LoudnessAndTruePeak(samples, Rate, 2);

        Assert.Equal(lufs, measured.IntegratedLufs, 0.02);
        // libebur128 oversamples 4x, we 8x: ours may only find a slightly higher peak.
        Assert.InRange(measured.TruePeakDbtp - truePeak, -0.05, 0.2);
        Assert.Equal(measured.IntegratedLufs, LoudnessHistogram.IntegratedLufs([measured.Histogram]), 0.01);
    }

    [Fact]
    public void An_albums_loudness_from_pooled_histograms_agrees_with_libebur128_and_is_not_the_mean_of_its_tracks()
    {
        // Three tracks 14 dB apart: gating the album as a whole drops the quiet track's blocks,
        // which a mean of the track loudnesses would not.
        float[][] tracks = [Track(2, 30, -4), Track(3, 20, -18), Track(4, 25, -8)];
        var measured = tracks.Select(Measure).ToArray();

        var album = LoudnessHistogram.IntegratedLufs(measured.Select(m => m.Histogram));
        var reference = LibEbur128.AlbumLoudness(tracks, Rate, 2);

        Assert.Equal(reference, album, 0.02);
        Assert.True(Math.Abs(album - measured.Average(m => m.IntegratedLufs)) > 1.0, $"album {album:0.00} LUFS should differ from the mean of its tracks");
    }

    [Fact]
    public void Silence_has_an_empty_histogram_and_the_floor_loudness()
    {
        var measured = Measure(new float[Rate * 2 * 5]);

        Assert.Empty(measured.Histogram.Bins);
        Assert.Equal(-70.0, measured.IntegratedLufs);
        Assert.Equal(-70.0, LoudnessHistogram.IntegratedLufs([measured.Histogram, LoudnessHistogram.Empty]));
    }
}
