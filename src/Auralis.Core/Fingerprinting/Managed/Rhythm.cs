using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Auralis.Fingerprinting.Managed;

/// <summary>
/// The onset-strength envelope: half-wave-rectified flux of log-compressed band energies, one
/// value per onset hop (at most 12 ms). A steady tone keeps its STFT magnitudes constant, so it
/// gives no flux at any frequency; a click gives a sharp rise in every band. Version 2 also keeps
/// the accent envelope its tempo is found in (see <see cref="Push"/>).
/// </summary>
internal sealed class OnsetDetector
{
    /// <summary>Onset band edges in Hz (bands above Nyquist are left out).</summary>
    private static readonly double[] BandsHz = [30.0, 150.0, 300.0, 600.0, 1200.0, 2400.0, 4800.0, 9600.0, 16000.0];

    /// <summary>
    /// Log compression floor relative to the power of a full-scale sine in one bin (-80 dB):
    /// rises out of digital silence count, but not by an unbounded amount.
    /// </summary>
    private const double LogFloor = 1e-8;

    /// <summary>
    /// A second floor relative to the frame's mean band energy (-20 dB): bands holding only window
    /// leakage of a tone elsewhere flicker by large ratios from frame to frame, which without it
    /// would read as onsets.
    /// </summary>
    private const double RelativeFloor = 1e-2;

    private readonly int[] _first;
    private readonly int[] _end;
    private readonly double _floor;

    /// <summary>
    /// Window length / FFT size: a zero-padded FFT has more bins per Hz, and a band's sum of bins
    /// grows with them; this keeps band energies (and the floor) per window, not per bin.
    /// </summary>
    private readonly double _scale;
    private readonly double[] _previous;
    private readonly double[] _energies;

    /// <summary>Version 2: per band, the square root of the previous frame's energy; null in version 1.</summary>
    private readonly double[]? _previousRoot;

    /// <summary>
    /// Version 2: per band, the bins it covers only in part (below and above its whole bins) with
    /// the share inside it; empty in version 1, whose bands are whole bins only.
    /// </summary>
    private readonly (int Below, double BelowShare, int Above, double AboveShare)[] _partial;

    /// <param name="windowLength">Samples under the window (at most <paramref name="fftLength"/>; the rest is zero padding).</param>
    public OnsetDetector(int fftLength, int windowLength, double sampleRate, int version, int expectedFrames)
    {
        var binHz = sampleRate / fftLength;
        var nyquistBin = fftLength / 2;
        var first = new List<int>();
        var end = new List<int>();
        var partial = new List<(int Below, double BelowShare, int Above, double AboveShare)>();
        for (var b = 0; b + 1 < BandsHz.Length; b++)
        {
            if (version < 2)
            {
                var lo = (int)Math.Ceiling(BandsHz[b] / binHz);
                var hi = Math.Min((int)Math.Ceiling(BandsHz[b + 1] / binHz), nyquistBin + 1);
                if (lo < hi)
                {
                    first.Add(lo);
                    end.Add(hi);
                }

                continue;
            }

            // Version 2: bin k covers (k - 1/2, k + 1/2) x binHz; the band takes the bins wholly
            // inside it and the share of the two at its edges that lies inside, so it covers the
            // same frequencies at every rate (version 1's whole bins from ceil(lo / binHz) covered
            // 43-129 Hz of the 30-150 Hz band at 44.1 kHz and 35-152 Hz at 48 kHz).
            var loBin = BandsHz[b] / binHz;
            var hiBin = Math.Min(BandsHz[b + 1] / binHz, nyquistBin + 0.5);
            if (loBin >= hiBin)
            {
                continue;
            }

            var whole = (int)Math.Ceiling(loBin + 0.5);
            var after = (int)Math.Max(Math.Floor(hiBin - 0.5) + 1.0, whole);
            var belowShare = Math.Min(whole - 0.5 - loBin, hiBin - loBin);
            var (above, aboveShare) = after <= nyquistBin ? (after, Math.Max(hiBin - (after - 0.5), 0.0)) : (nyquistBin, 0.0);
            first.Add(whole);
            end.Add(Math.Min(after, nyquistBin + 1));
            partial.Add((whole - 1, belowShare, above, aboveShare));
        }

        _first = [.. first];
        _end = [.. end];
        _partial = [.. partial];
        var fullScaleBin = (windowLength / 4.0) * (windowLength / 4.0);
        _scale = (double)windowLength / fftLength;
        _floor = LogFloor * fullScaleBin;
        _previous = new double[_first.Length];
        Array.Fill(_previous, Math.Log(_floor));
        _energies = new double[_first.Length];
        Envelope = new SummaryList<float>(expectedFrames);
        if (version >= 2)
        {
            _previousRoot = new double[_first.Length];
            Accent = new SummaryList<float>(expectedFrames);
        }
    }

    /// <summary>One onset strength per frame pushed.</summary>
    public SummaryList<float> Envelope { get; }

    /// <summary>Version 2: one accent value per frame pushed; null in version 1.</summary>
    public SummaryList<float>? Accent { get; }

    /// <summary>Adds one frame's power spectrum and appends its onset strength.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Push(ReadOnlySpan<float> power)
    {
        var bands = _first.Length;
        var total = 0.0;
        for (var b = 0; b < bands; b++)
        {
            _energies[b] = Kernels.Sum(power[_first[b].._end[b]]) * _scale;
            if (_partial.Length > 0)
            {
                var (below, belowShare, above, aboveShare) = _partial[b];
                _energies[b] += ((belowShare * power[below]) + (aboveShare * power[above])) * _scale;
            }

            total += _energies[b];
        }

        var floor = _floor + (RelativeFloor * total / bands);
        var flux = 0.0;
        for (var b = 0; b < bands; b++)
        {
            var level = Math.Log(_energies[b] + floor);
            flux += Math.Max(level - _previous[b], 0.0);
            _previous[b] = level;
        }

        Envelope.Add((float)flux);

        // Version 2's accent: rises of the square root of each band's energy (an amplitude). The
        // logarithm above makes every onset count about the same, so a hi-hat on every eighth is
        // as strong as the kick and snare on the beats and slow rock read double time; linear
        // energy goes the other way (the kick outweighs the snare, and fast rock read half time).
        // The square root keeps the beat's accents above the subdivisions on every pattern of the
        // tempo suite (eighths at most 0.49 of the beat's periodicity, the beat at least 0.55 of
        // the half-bar's).
        if (_previousRoot is { } previousRoot)
        {
            var rise = 0.0;
            for (var b = 0; b < bands; b++)
            {
                var root = Math.Sqrt(_energies[b]);
                rise += Math.Max(root - previousRoot[b], 0.0);
                previousRoot[b] = root;
            }

            Accent!.Add((float)rise);
        }
    }
}

/// <summary>Rhythm features (dimensions 11-13) from the onset-strength envelope.</summary>
internal static class Rhythm
{
    /// <summary>
    /// Envelopes whose mean flux is below this (nepers per frame) have no onsets worth the name:
    /// float rounding on a steady tone stays orders of magnitude below it.
    /// </summary>
    private const double MinMeanFlux = 0.02;

    /// <summary>
    /// Below this normalized autocorrelation the envelope is called aperiodic (tempo 0). White
    /// noise reaches ~0.10 at its best lag by chance alone.
    /// </summary>
    private const double MinPeriodicity = 0.15;

    /// <summary>
    /// Onset threshold: an onset must rise this much (nepers summed over the bands, about the
    /// rise a struck note or drum makes) and stand 1.5 standard deviations above the local mean:
    /// a threshold relative to the mean alone let noise-like passages count 9 onsets a second.
    /// </summary>
    private const double MinOnsetFlux = 2.5;

    private const double OnsetStdFactor = 1.5;

    /// <summary>
    /// A faster candidate (period / 2, 3 or 4) replaces the chosen one when its peak is at least
    /// this strong relative to it: on a plain pulse the sub-multiples of the true period are
    /// exactly as periodic, so the fastest strong one is the beat.
    /// </summary>
    private const double OctaveRatio = 0.8;

    /// <summary>Version 2: the same rule on the blended autocorrelation (below).</summary>
    private const double OctaveRatioV2 = 0.7;

    /// <summary>
    /// Version 2's periodicity is a blend of the normalized autocorrelations of the trend-free
    /// onset envelope (this share) and of the accent envelope (the rest). Either alone failed:
    /// onsets alone read slow rock, funk and waltz at twice their tempo (the hi-hats' eighths are
    /// as periodic as the beat) and 6/8 at three times; accents alone read the tempo suite right
    /// but flipped between 160 and 106.7 BPM (or 60 and 120) on real electronic tracks when only
    /// the sample rate changed, their two readings within 1 % of each other.
    /// </summary>
    private const double OnsetWeight = 0.3;

    /// <summary>
    /// Version 2: flux below this (nepers summed over the bands, a fraction of a dB) is flicker,
    /// not a rise: partials of a steady chord that share a band beat against each other, and the
    /// frame rate aliases those beats into a regular pattern.
    /// </summary>
    private const float Flicker = 0.1f;

    /// <summary>
    /// Version 2: the trend-free onset envelope must vary by more than this (a variance in nepers
    /// squared: a standard deviation of 0.05) to carry a pulse. A steady chord's residual flicker
    /// has 0.017; noise about 0.45, a pulse of onsets rising 2.5 nepers twice a second about 0.5.
    /// </summary>
    private const double MinPulseVariance = 0.05 * 0.05;

    /// <summary>Version 2: half-width of the moving average removed before the tempo search.</summary>
    private const double TrendHalfWidthS = 1.0;

    /// <param name="accent">Version 2's accent envelope; empty in version 1, whose tempo comes from <paramref name="envelope"/>.</param>
    public static (double TempoBpm, double Stability, double TransientDensity) Analyze(ReadOnlySpan<float> envelope, ReadOnlySpan<float> accent, double frameRate, double durationS)
    {
        var transientDensity = Math.Clamp(CountOnsets(envelope, frameRate) / durationS / 10.0, 0.0, 1.0);
        var (tempo, stability) = Tempo(envelope, accent, frameRate);
        return (tempo, stability, transientDensity);
    }

    /// <summary>
    /// Onsets: local maxima of the envelope above an adaptive threshold (the mean plus 1.5
    /// standard deviations over ±0.5 s, and at least MinOnsetFlux), at least 50 ms apart (the
    /// stronger one wins).
    /// </summary>
    private static int CountOnsets(ReadOnlySpan<float> envelope, double frameRate)
    {
        var n = envelope.Length;
        if (n < 3)
        {
            return 0;
        }

        var prefix = new double[n + 1];
        var prefixSquares = new double[n + 1];
        for (var i = 0; i < n; i++)
        {
            double o = envelope[i];
            prefix[i + 1] = prefix[i] + o;
            prefixSquares[i + 1] = prefixSquares[i] + (o * o);
        }

        var half = (int)Rounding.HalfAwayFromZero(0.5 * frameRate);
        var minGap = (int)Math.Ceiling(0.05 * frameRate);
        var count = 0;
        var lastT = -1;
        var lastValue = 0.0f;
        for (var t = 0; t < n; t++)
        {
            var o = envelope[t];
            var before = t > 0 ? envelope[t - 1] : 0.0f;
            var after = t + 1 < n ? envelope[t + 1] : 0.0f;
            if (!(o > before && o >= after))
            {
                continue;
            }

            var lo = Math.Max(t - half, 0);
            var hi = Math.Min(t + half + 1, n);
            double width = hi - lo;
            var localMean = (prefix[hi] - prefix[lo]) / width;
            var localVariance = Math.Max(((prefixSquares[hi] - prefixSquares[lo]) / width) - (localMean * localMean), 0.0);
            if (o <= Math.Max(localMean + (OnsetStdFactor * Math.Sqrt(localVariance)), MinOnsetFlux))
            {
                continue;
            }

            if (lastT >= 0 && t - lastT < minGap)
            {
                if (o > lastValue)
                {
                    (lastT, lastValue) = (t, o);
                }
            }
            else
            {
                count++;
                (lastT, lastValue) = (t, o);
            }
        }

        return count;
    }

    /// <summary>
    /// Version 2: the envelope less its moving average over ±1 s (truncated at the ends). A fade
    /// or a swell raises or lowers the flux for seconds at a time; that trend has autocorrelation
    /// at every lag of the tempo search, and version 1 read it as a pulse (white noise with 5 s
    /// fades: 129 BPM). A beat of at most 1 s repeats within the window, so the pulse survives.
    /// </summary>
    private static float[] WithoutTrend(ReadOnlySpan<float> envelope, double frameRate)
    {
        var n = envelope.Length;
        var prefix = new double[n + 1];
        for (var i = 0; i < n; i++)
        {
            prefix[i + 1] = prefix[i] + envelope[i];
        }

        var half = (int)Rounding.HalfAwayFromZero(TrendHalfWidthS * frameRate);
        var result = new float[n];
        for (var t = 0; t < n; t++)
        {
            var lo = Math.Max(t - half, 0);
            var hi = Math.Min(t + half + 1, n);
            result[t] = (float)(envelope[t] - ((prefix[hi] - prefix[lo]) / (hi - lo)));
        }

        return result;
    }

    /// <summary>Version 2: whether the onset envelope (without frame 0) varies beyond flicker once its trend is removed.</summary>
    private static bool HasPulse(ReadOnlySpan<float> body, double frameRate)
    {
        var gated = new float[body.Length];
        for (var i = 0; i < body.Length; i++)
        {
            gated[i] = Math.Max(body[i] - Flicker, 0.0f);
        }

        var detrended = WithoutTrend(gated, frameRate);
        var n = (double)Math.Max(detrended.Length, 1);
        var mean = 0.0;
        foreach (var o in detrended)
        {
            mean += o;
        }

        mean /= n;
        var variance = 0.0;
        foreach (var o in detrended)
        {
            var d = o - mean;
            variance += d * d;
        }

        return variance / n >= MinPulseVariance;
    }

    /// <summary>Unbiased autocorrelation of the mean-removed envelope for lags 0..=maxLag.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double[] Autocorrelation(ReadOnlySpan<float> envelope, int maxLag)
    {
        var n = envelope.Length;
        var mean = 0.0;
        foreach (var o in envelope)
        {
            mean += o;
        }

        mean /= n;
        var centred = new float[n];
        for (var i = 0; i < n; i++)
        {
            centred[i] = (float)(envelope[i] - mean);
        }

        var lags = Math.Min(maxLag, n - 1) + 1;
        var r = new double[lags];
        ref var c0 = ref MemoryMarshal.GetArrayDataReference(centred);
        for (var lag = 0; lag < lags; lag++)
        {
            // f32 products summed in 8 lanes, folded into f64 (the native order).
            var len = n - lag;
            var chunks = len / 8;
            var lanes = Vector256<float>.Zero;
            for (var c = 0; c < chunks; c++)
            {
                var at = (nuint)(c * 8);
                lanes += Vector256.LoadUnsafe(ref c0, at) * Vector256.LoadUnsafe(ref c0, at + (nuint)lag);
            }

            var sum = 0.0;
            for (var l = 0; l < 8; l++)
            {
                sum += lanes.GetElement(l);
            }

            for (var i = chunks * 8; i < len; i++)
            {
                sum += centred[i] * centred[i + lag];
            }

            r[lag] = sum / len;
        }

        return r;
    }

    /// <summary>Vertex of the parabola through (lag-1, lag, lag+1): sub-frame position of a peak.</summary>
    private static double InterpolatePeak(double[] r, int lag)
    {
        if (lag == 0 || lag + 1 >= r.Length)
        {
            return lag;
        }

        double a = r[lag - 1], b = r[lag], c = r[lag + 1];
        var denom = a - (2.0 * b) + c;
        return denom < 0.0 ? lag + Math.Clamp(0.5 * (a - c) / denom, -0.5, 0.5) : lag;
    }

    /// <summary>Largest autocorrelation value within ±radius of centre, as (lag, value); the last of equal maxima.</summary>
    private static (int Lag, double Value)? PeakNear(double[] r, double centre, int radius)
    {
        var c = (long)Rounding.HalfAwayFromZero(centre);
        var lo = (int)Math.Max(c - radius, 1);
        var hi = (int)Math.Min(c + radius, Math.Max(r.Length - 2, 0));
        (int Lag, double Value)? best = null;
        for (var l = lo; l <= hi; l++)
        {
            if (best is null || r[l] >= best.Value.Value)
            {
                best = (l, r[l]);
            }
        }

        return best;
    }

    /// <summary>
    /// Normalized periodicity at lag: the autocorrelation mass of lags lag-1..lag+1 over that of
    /// lags -1..1, so a period that falls between two frames counts fully.
    /// </summary>
    private static double Periodicity(double[] r, int lag)
    {
        var atZero = r[0] + (2.0 * (r.Length > 1 ? r[1] : 0.0));
        if (atZero <= 0.0 || lag + 1 >= r.Length)
        {
            return 0.0;
        }

        return Math.Clamp((r[lag - 1] + r[lag] + r[lag + 1]) / atZero, 0.0, 1.0);
    }

    /// <summary>
    /// Version 2 (a non-empty <paramref name="accent"/>) takes the periodicity from the accent
    /// envelope without its trend, and asks the onset envelope only whether there is a pulse.
    /// </summary>
    private static (double Bpm, double Stability) Tempo(ReadOnlySpan<float> envelope, ReadOnlySpan<float> accent, double frameRate)
    {
        var n = envelope.Length;

        // The first frame always rises out of the silence before the track: it is the start of
        // the sound, not evidence of a pulse.
        var mean = 0.0;
        for (var i = 1; i < n; i++)
        {
            mean += envelope[i];
        }

        mean /= Math.Max(n - 1, 1);

        // Lags of 200 BPM (exclusive) to 60 BPM; the refinement looks at multiples up to 4 s.
        var minLag = (int)Math.Floor(frameRate * 0.3) + 1;
        var maxLag = (int)Math.Floor(frameRate * 1.0);
        if (mean < MinMeanFlux || n < (2 * maxLag) + 2)
        {
            return (0.0, 0.0);
        }

        var refineLag = Math.Max(Math.Min((int)(frameRate * 4.0), n / 2), maxLag + 1);
        // Frame 0 is left out here too: its rise out of silence can be a hundred times any beat
        // and would dominate r(0), hiding the pulse of a whole track.
        double[] r;
        var octaveRatio = OctaveRatio;
        if (accent.IsEmpty)
        {
            r = Autocorrelation(envelope[1..], refineLag + 2);
        }
        else
        {
            if (!HasPulse(envelope[1..], frameRate))
            {
                return (0.0, 0.0);
            }

            var onsets = Autocorrelation(WithoutTrend(envelope[1..], frameRate), refineLag + 2);
            var accents = Autocorrelation(WithoutTrend(accent[1..], frameRate), refineLag + 2);
            if (onsets[0] <= 0.0 || accents[0] <= 0.0)
            {
                return (0.0, 0.0);
            }

            r = new double[onsets.Length];
            for (var i = 0; i < r.Length; i++)
            {
                r[i] = (OnsetWeight * (onsets[i] / onsets[0])) + ((1.0 - OnsetWeight) * (accents[i] / accents[0]));
            }

            octaveRatio = OctaveRatioV2;
        }

        if (r[0] <= 0.0)
        {
            return (0.0, 0.0);
        }

        // Candidates: local maxima in the tempo range, weighted by a broad prior around 120 BPM
        // (one octave standard deviation) that only breaks near-ties between octaves.
        double BpmOf(double lag) => 60.0 * frameRate / lag;
        var bestLag = -1;
        var bestScore = 0.0;
        for (var l = Math.Max(minLag, 1); l <= Math.Min(maxLag, r.Length - 2); l++)
        {
            if (r[l] > 0.0 && r[l] >= r[l - 1] && r[l] >= r[l + 1])
            {
                var octaves = Math.Log2(BpmOf(l) / 120.0);
                var score = r[l] * Math.Exp(-0.5 * octaves * octaves);
                if (bestLag < 0 || score > bestScore)
                {
                    (bestLag, bestScore) = (l, score);
                }
            }
        }

        if (bestLag < 0)
        {
            return (0.0, 0.0);
        }

        var lag = bestLag;

        // Octave correction: prefer the fastest sub-multiple that is (nearly) as periodic.
        foreach (var divisor in (ReadOnlySpan<int>)[4, 3, 2])
        {
            var candidate = (double)lag / divisor;
            if (candidate < minLag - 0.5)
            {
                continue;
            }

            if (PeakNear(r, candidate, 1) is var (l, v) && l >= minLag && v >= octaveRatio * r[lag])
            {
                lag = l;
                break;
            }
        }

        var stability = Periodicity(r, lag);
        if (stability < MinPeriodicity)
        {
            return (0.0, 0.0);
        }

        // Refinement: the k-th multiple of the period is located with the same ±1 frame error,
        // so period = lag_k / k is k times more precise. Doubling k keeps each search window small.
        var period = InterpolatePeak(r, lag);
        for (var k = 2; (period * k) + 2.0 < refineLag; k *= 2)
        {
            if (PeakNear(r, period * k, 2) is var (l, v) && v > 0.5 * r[lag])
            {
                period = InterpolatePeak(r, l) / k;
            }
            else
            {
                break;
            }
        }

        var bpm = BpmOf(period);
        while (bpm >= 200.0)
        {
            bpm /= 2.0;
        }

        while (bpm < 60.0)
        {
            bpm *= 2.0;
        }

        return (bpm, stability);
    }
}
