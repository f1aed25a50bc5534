using Auralis.Fingerprinting;
using Auralis.Mastering.Rendering;

namespace Auralis.Mastering.Measurement;

/// <summary>
/// Loudness statistics of a track's unprocessed audio, measured while the scan decodes it for the
/// fingerprint (docs/mastering.md, "Track loudness"): BS.1770 integrated loudness, true peak,
/// sample peak, and the histogram of its gating blocks, from which the integrated loudness of any
/// set of tracks (an album) follows by BS.1770 gating over all their blocks together.
/// </summary>
/// <param name="Frames">Frames measured (the whole track).</param>
/// <param name="IntegratedLufs">BS.1770 integrated loudness (-70.0 when no block passes the gates).</param>
/// <param name="TruePeakDbtp">True peak (8x oversampled, <see cref="Dsp.TruePeakDetector"/>), dBTP.</param>
/// <param name="SamplePeakDbfs">Largest sample magnitude, dBFS.</param>
/// <param name="Histogram">The track's gating blocks above the absolute gate.</param>
public sealed record TrackLoudness(long Frames, double IntegratedLufs, double TruePeakDbtp, double SamplePeakDbfs, LoudnessHistogram Histogram)
{
    /// <summary>
    /// The block energies in time order (block i starts at i x 100 ms), kept while the scan plans
    /// from them; null once stored and read back (only the histogram is stored).
    /// </summary>
    public IReadOnlyList<double>? Blocks { get; init; }

    /// <summary>The frame where the true peak was found (with <see cref="Blocks"/>; not stored).</summary>
    public long TruePeakFrame { get; init; }

    /// <summary>Measures a whole source (for tracks whose fingerprint was not decoded now: old libraries).</summary>
    public static TrackLoudness Measure(IPcmSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var meter = new TrackLoudnessMeter(source.SampleRate, source.Channels);
        // The fingerprint's block size: the meter's sums depend (in the last bits) on how the audio
        // is cut, and a backfill must store the bytes a fresh scan stores.
        var buffer = new float[FileFingerprinter.BlockFrames * source.Channels];
        using var reader = source.OpenAt(0);
        int read;
        while ((read = reader.Read(buffer)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            meter.Push(buffer.AsSpan(0, read * source.Channels));
        }

        return meter.Finish();
    }
}

/// <summary>
/// Measures <see cref="TrackLoudness"/> from the decoded audio as it passes (a fingerprint tap),
/// keeping only block energies (8 bytes per 100 ms), never the audio.
/// </summary>
public sealed class TrackLoudnessMeter(int sampleRate, int channels) : IPcmTap
{
    private readonly ProgrammeMeter _meter = new(sampleRate, channels);

    public void Push(ReadOnlySpan<float> interleaved) => _meter.Push(interleaved);

    public TrackLoudness Finish()
    {
        var measured = _meter.Finish();
        var blocks = _meter.BlockEnergies.ToArray();
        return new TrackLoudness(measured.Frames, measured.IntegratedLufs, measured.TruePeakDbtp, measured.SamplePeakDbfs, LoudnessHistogram.Of(blocks))
        {
            Blocks = blocks,
            TruePeakFrame = _meter.TruePeakFrame,
        };
    }
}

/// <summary>One histogram bin: how many blocks fell in it and the sum of their mean-square energies.</summary>
public readonly record struct LoudnessBin(ushort Index, uint Count, double EnergySum);

/// <summary>
/// The gating blocks of a track above the -70 LUFS absolute gate, in bins of 0.1 LU from -70 LUFS
/// (bin i holds blocks of loudness in [-70 + 0.1 i, -70 + 0.1 (i + 1)) LUFS; the last bin also
/// everything louder), each with its block count and exact energy sum. Pooling histograms and
/// gating them gives the BS.1770 integrated loudness of the tracks together; the only difference
/// from gating every block is the one bin the relative gate falls in, which is taken whole when
/// its mean loudness is above the gate (docs/mastering.md gives the bound).
/// </summary>
public sealed record LoudnessHistogram(IReadOnlyList<LoudnessBin> Bins)
{
    public const double FloorLufs = -70.0;

    public const double BinLu = 0.1;

    /// <summary>Bins up to +30 LUFS; louder blocks (only possible above full scale) go in the last.</summary>
    public const int BinCount = 1000;

    public static LoudnessHistogram Empty { get; } = new([]);

    /// <summary>Blocks counted.</summary>
    public long Blocks => Bins.Sum(b => (long)b.Count);

    public static LoudnessHistogram Of(IEnumerable<double> blockEnergies)
    {
        ArgumentNullException.ThrowIfNull(blockEnergies);
        var counts = new uint[BinCount];
        var sums = new double[BinCount];
        foreach (var energy in blockEnergies)
        {
            var lufs = ToLufs(energy);
            if (!(lufs > FloorLufs))
            {
                continue;
            }

            var index = (int)Math.Min(BinCount - 1, Math.Floor((lufs - FloorLufs) / BinLu));
            counts[index]++;
            sums[index] += energy;
        }

        var bins = new List<LoudnessBin>();
        for (var i = 0; i < BinCount; i++)
        {
            if (counts[i] > 0)
            {
                bins.Add(new LoudnessBin((ushort)i, counts[i], sums[i]));
            }
        }

        return new LoudnessHistogram(bins);
    }

    /// <summary>
    /// BS.1770 integrated loudness of the tracks together (an album): the absolute gate is already
    /// applied; the relative gate (-10 LU below the mean of those blocks) is applied per bin.
    /// -70.0 when no block passes.
    /// </summary>
    public static double IntegratedLufs(IEnumerable<LoudnessHistogram> tracks)
    {
        ArgumentNullException.ThrowIfNull(tracks);
        var counts = new long[BinCount];
        var sums = new double[BinCount];
        foreach (var bin in tracks.SelectMany(t => t.Bins))
        {
            counts[bin.Index] += bin.Count;
            sums[bin.Index] += bin.EnergySum;
        }

        var (sum, count) = (sums.Sum(), counts.Sum());
        if (count == 0)
        {
            return FloorLufs;
        }

        var relativeGate = ToLufs(sum / count) - 10.0;
        (sum, count) = (0.0, 0L);
        for (var i = 0; i < BinCount; i++)
        {
            if (counts[i] > 0 && ToLufs(sums[i] / counts[i]) > relativeGate)
            {
                sum += sums[i];
                count += counts[i];
            }
        }

        return count == 0 ? FloorLufs : Math.Max(ToLufs(sum / count), FloorLufs);
    }

    /// <summary>BS.1770 loudness of a mean-square energy (-inf for silence).</summary>
    public static double ToLufs(double meanSquare) =>
        meanSquare > 0.0 ? -0.691 + (10.0 * Math.Log10(meanSquare)) : double.NegativeInfinity;
}
