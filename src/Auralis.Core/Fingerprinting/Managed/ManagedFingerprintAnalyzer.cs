using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Auralis.Dsp;

namespace Auralis.Fingerprinting.Managed;

/// <summary>
/// The streaming 25-dimension analyzer (docs/fingerprint.md, algorithm version 1), the managed twin of
/// native/src/analysis/mod.rs. One pass over pushed blocks of interleaved float PCM; state kept:
/// <list type="bullet">
/// <item>per 100 ms segment: K-weighted channel energy, <c>mid</c> energy and sample peak;</item>
/// <item>per onset hop (at most 12 ms): one onset-strength value;</item>
/// <item>running sums (long-term spectrum, levels, stereo moments) and a 17-frame HPSS ring.</item>
/// </list>
/// Nothing else grows with the track length, and a push allocates nothing.
/// </summary>
internal sealed class ManagedFingerprintAnalyzer : IFingerprintAnalyzer
{
    public const int MinSampleRate = 8_000;
    public const int MaxSampleRate = 384_000;
    public const int MaxChannels = 8;

    /// <summary>Shortest accepted input.</summary>
    public const double MinDurationS = 0.5;

    /// <summary>Frames per reduction run (see <see cref="Push"/>).</summary>
    private const int ReductionRun = 256;

    /// <summary>-60 dBFS as an amplitude: the silence threshold for frames and blocks.</summary>
    private const double SilenceRms = 1e-3;

    /// <summary>
    /// Version 2: a 100 ms block is silent when its RMS is this many dB below the track's
    /// integrated loudness (read as dBFS), and every block below -100 dBFS is. Version 1's fixed
    /// -60 dBFS made silence_ratio and peak_consistency depend on the level.
    /// </summary>
    private const double BlockSilenceBelowLoudnessDb = 45.0;

    private const double BlockSilenceFloorDbfs = -100.0;

    /// <summary>Summaries are pre-sized for this much audio; longer tracks grow them by doubling.</summary>
    private const int PresizedSeconds = 600;

    /// <summary><see cref="_previousClass"/> before the first non-silent frame or after a silent one.</summary>
    private const int NoPrevious = -2;

    private readonly int _sampleRate;
    private readonly int _channels;

    /// <summary>Samples of an incomplete reduction run, waiting for the next push.</summary>
    private readonly float[] _staged;
    private int _stagedCount;

    /// <summary>Frames processed (excluding the staged ones).</summary>
    private long _frames;
    private bool _finished;
    private bool _disposed;

    // Levels.
    private float _peak;
    private double _sumSquares;
    private readonly double[] _stereo = new double[5]; // Σl, Σr, Σl², Σr², Σlr
    private readonly double[] _moments = new double[5];

    // Segments (loudness, silence, peak consistency).
    private readonly int _segmentLength;
    private Segment _segment;
    private int _segmentFill;
    private readonly SummaryList<Segment> _segments;
    private readonly Biquad _kShelf;
    private readonly Biquad _kHighPass;

    /// <summary>K-weighting state, 4 values per channel.</summary>
    private readonly double[] _kState;
    private readonly double[] _kWeights;

    /// <summary>Channels with a non-zero weight, in pairs (the last may be single: B = -1).</summary>
    private readonly (int A, int B)[] _kPairs;

    // Spectral frames of `mid`.
    private readonly RealFft _fft;
    private readonly int _fftLength;

    /// <summary>Samples under the window: the FFT size in version 1, four onset hops in version 2 (the rest of the FFT input is zero).</summary>
    private readonly int _windowLength;
    private readonly int _onsetHop;

    /// <summary>Every MainEvery-th onset frame is a main STFT frame (hop N/2).</summary>
    private readonly int _mainEvery;
    private long _frameIndex;
    private readonly float[] _pending;
    private int _pendingStart;
    private int _pendingEnd;
    private readonly float[] _window;
    private readonly float[] _windowed;
    private readonly float[] _power;
    private readonly float[] _scratch;
    private readonly float[] _mid = new float[ReductionRun];

    /// <summary>Version 2: the high-pass before the spectral frames (null in version 1).</summary>
    private readonly Subsonic? _subsonic;

    private readonly double[] _ltas;
    private readonly int _flatLo;
    private readonly int _flatHi;
    private readonly double _flatFloor;
    private double _flatnessSum;
    /// <summary>The chroma of version 1 (by bin centre) or of version 2 (by spectral peak); the other is null.</summary>
    private readonly ChromaMap? _chroma;
    private readonly PeakChroma? _peakChroma;
    private double _chromaEnergySum;
    private long _nonSilentFrames;

    /// <summary>Strongest pitch class of the previous non-silent frame, -1 for none, or <see cref="NoPrevious"/>.</summary>
    private int _previousClass = NoPrevious;
    private long _stablePairs;
    private long _pairs;
    private readonly Hpss _hpss;

    /// <summary>Version 2: the separation works on a fixed frequency grid (null in version 1).</summary>
    private readonly CellGrid? _hpssGrid;
    private readonly float[] _hpssCells = [];
    private readonly OnsetDetector _onsets;

    public ManagedFingerprintAnalyzer(int sampleRate, int channels)
        : this(sampleRate, channels, Fingerprint.FingerprintVersion)
    {
    }

    /// <summary>
    /// An analyzer computing the definitions of <paramref name="version"/>:
    /// <see cref="Fingerprint.FingerprintVersion"/> (what is stored) or
    /// <see cref="Fingerprint.DraftVersion"/> (in development).
    /// </summary>
    public ManagedFingerprintAnalyzer(int sampleRate, int channels, int version)
    {
        if (version != Fingerprint.FingerprintVersion && version != Fingerprint.DraftVersion)
        {
            throw new FingerprintException(
                FingerprintErrorKind.InvalidArgument,
                $"invalid argument: fingerprint version {version} is not implemented ({Fingerprint.FingerprintVersion} is stored, {Fingerprint.DraftVersion} is in development)");
        }

        Version = version;
        if (sampleRate is < MinSampleRate or > MaxSampleRate)
        {
            throw new FingerprintException(
                FingerprintErrorKind.InvalidArgument,
                $"invalid argument: sample rate {sampleRate} Hz is outside {MinSampleRate}-{MaxSampleRate} Hz");
        }

        if (channels is < 1 or > MaxChannels)
        {
            throw new FingerprintException(
                FingerprintErrorKind.InvalidArgument,
                $"invalid argument: {channels} channels is outside 1-{MaxChannels}");
        }

        _sampleRate = sampleRate;
        _channels = channels;
        double sr = sampleRate;
        (_windowLength, _fftLength, _onsetHop) = Framing(version, sampleRate);
        _mainEvery = _windowLength / 2 / _onsetHop;
        _fft = new RealFft(_fftLength);
        var bins = (_fftLength / 2) + 1;
        var binHz = sr / _fftLength;

        // Periodic Hann window over the window length.
        _window = new float[_windowLength];
        for (var i = 0; i < _windowLength; i++)
        {
            var s = Math.Sin(Math.PI * i / _windowLength);
            _window[i] = (float)(s * s);
        }

        _flatLo = (int)Math.Ceiling(20.0 / binHz);
        _flatHi = Math.Min((int)Math.Floor(Math.Min(20000.0, sr / 2.0) / binHz), bins - 1);
        var hpssBins = Math.Min((int)Math.Floor(5000.0 / binHz) + 1, bins);

        _staged = new float[ReductionRun * channels];
        _segmentLength = sampleRate / 10;
        _segments = new SummaryList<Segment>(PresizedSeconds * 10);
        _kShelf = Biquad.KShelf(sr);
        _kHighPass = Biquad.KHighPass(sr);
        _kState = new double[4 * channels];
        _kWeights = new double[channels];
        var active = new List<int>();
        for (var c = 0; c < channels; c++)
        {
            _kWeights[c] = KWeighting.ChannelWeight(c, channels);
            if (_kWeights[c] != 0.0)
            {
                active.Add(c);
            }
        }

        _kPairs = active.Chunk(2).Select(p => (p[0], p.Length > 1 ? p[1] : -1)).ToArray();

        _pending = new float[(4 * _fftLength) + ReductionRun];
        _windowed = new float[_fftLength];
        _power = new float[bins];
        _scratch = new float[_fft.ScratchLength];
        _ltas = new double[bins];
        if (version >= 2)
        {
            // Cells of 21.53 Hz up to 5 kHz, plus the 8 beyond that the frequency median at the
            // top reads, as far as Nyquist allows.
            var wanted = (int)Math.Floor(5000.0 / CellGrid.CellHz) + 1;
            _hpssGrid = new CellGrid(wanted + (Median17.Count / 2), bins, binHz);
            _hpssCells = new float[_hpssGrid.Count];
            _hpss = new Hpss(Math.Min(wanted, _hpssGrid.Count), _hpssGrid.Count);
            _peakChroma = new PeakChroma(CellGrid.CellHz, _hpssGrid.Count);
            _subsonic = new Subsonic(sr);

            // Flatness where music has content: the grid's cells from 150 Hz to 5 kHz, floored
            // 60 dB below the frame's mean.
            _flatLo = (int)Math.Ceiling(Spectrum.FlatnessV2LoHz / CellGrid.CellHz);
            _flatHi = Math.Min(wanted, _hpssGrid.Count) - 1;
            _flatFloor = Spectrum.FlatnessV2Floor;
        }
        else
        {
            _chroma = new ChromaMap(_fftLength, sr);
            _hpss = new Hpss(hpssBins, bins);
        }

        _onsets = new OnsetDetector(_fftLength, _windowLength, sr, version, (int)Math.Min((long)PresizedSeconds * sampleRate / _onsetHop, int.MaxValue / 2));
    }

    /// <summary>The definitions computed.</summary>
    public int Version { get; }

    public int SampleRate => _sampleRate;

    public int Channels => _channels;

    public long Frames => _frames + (_stagedCount / _channels);

    /// <summary>STFT size for a sample rate: 2^round(log2(0.0464·sr)) (2048 at 44.1 and 48 kHz).</summary>
    public static int FftLengthFor(int sampleRate) => 1 << (int)Rounding.HalfAwayFromZero(Math.Log2(0.0464 * sampleRate));

    /// <summary>Onset hop: N/4 when that is at most 12 ms, else N/8.</summary>
    public static int OnsetHopFor(int fftLength, int sampleRate) =>
        fftLength / 4 <= 0.012 * sampleRate ? fftLength / 4 : fftLength / 8;

    /// <summary>
    /// Version 2 framing, in seconds rather than powers of two: the onset hop is 512/44100 s
    /// (11.6 ms: 512 frames at 44.1 kHz, 557 at 48 kHz, 372 at 32 kHz), main frames come every
    /// two onset hops and the window spans four (46.4 ms), zero-padded to the next power of two
    /// for the FFT. At 44.1 kHz this is version 1's framing exactly; elsewhere version 1's window
    /// was the power of two nearest 46.4 ms, so its duration jumped with the rate (64 ms at
    /// 32 kHz, 42.7 ms at 48 kHz) and so did every time constant and the frequency resolution.
    /// </summary>
    public static int OnsetHopV2(int sampleRate) => (int)Rounding.HalfAwayFromZero(sampleRate * 512.0 / 44100.0);

    /// <summary>(window length, FFT size, onset hop) for a version at a rate.</summary>
    public static (int Window, int Fft, int OnsetHop) Framing(int version, int sampleRate)
    {
        if (version < 2)
        {
            var n = FftLengthFor(sampleRate);
            return (n, n, OnsetHopFor(n, sampleRate));
        }

        var hop = OnsetHopV2(sampleRate);
        var window = 4 * hop;
        return (window, FftLengthV2(window), hop);
    }

    /// <summary>
    /// Version 2's FFT size for a window: the window itself when it is a power of two (the
    /// 44.1 kHz family: bins then fall on the harmonic separation's 21.53 Hz grid), else the next
    /// power of two, doubled when that pads by less than half the window (the 32 kHz family: 1488
    /// samples in 2048 gave 15.6 Hz bins, too coarse to interpolate the grid from).
    /// </summary>
    public static int FftLengthV2(int window)
    {
        var n = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)window);
        return n == window || 2 * n >= 3 * window ? n : 2 * n;
    }

    /// <summary>
    /// Pushes a block of interleaved samples (any length that is a whole number of frames). A NaN
    /// or infinite sample is rejected and leaves the analyzer unusable for this stream.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Push(ReadOnlySpan<float> interleaved)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_finished)
        {
            throw AlreadyFinished();
        }

        var ch = _channels;
        if (interleaved.Length % ch != 0)
        {
            throw new FingerprintException(
                FingerprintErrorKind.InvalidArgument,
                $"invalid argument: {interleaved.Length} samples is not a whole number of {ch}-channel frames");
        }

        var bad = IndexOfNonFinite(interleaved);
        if (bad >= 0)
        {
            _finished = true;
            var value = interleaved[bad];
            throw new FingerprintException(
                FingerprintErrorKind.InvalidSamples,
                $"sample at frame {Frames + (bad / ch)}, channel {bad % ch} is {FormatLikeRust(value)}: audio must be finite PCM");
        }

        // Reductions run over fixed runs: they end at a segment boundary (so per-segment state
        // closes cleanly) and every ReductionRun frames from the segment start. A run that the
        // caller's block leaves incomplete is staged (< 256 frames) until the next push, so every
        // sum is taken over the same runs whatever the block sizes: a file's fingerprint is
        // bit-identical however it is pushed. Whole runs are read straight from the caller.
        var rest = interleaved;
        if (_stagedCount > 0)
        {
            var need = (NextRunLength() * ch) - _stagedCount;
            var take = Math.Min(need, rest.Length);
            rest[..take].CopyTo(_staged.AsSpan(_stagedCount));
            _stagedCount += take;
            rest = rest[take..];
            if (take < need)
            {
                return;
            }

            ProcessRun(_staged.AsSpan(0, _stagedCount));
            _stagedCount = 0;
        }

        while (true)
        {
            var run = NextRunLength() * ch;
            if (rest.Length < run)
            {
                break;
            }

            ProcessRun(rest[..run]);
            rest = rest[run..];
        }

        rest.CopyTo(_staged);
        _stagedCount = rest.Length;
    }

    /// <summary>Completes the analysis. The analyzer cannot be pushed to afterwards.</summary>
    public Fingerprint Finish()
    {
        var v = FinishUnrounded();
        Span<float> values = stackalloc float[Fingerprint.Dimensions];
        for (var i = 0; i < values.Length; i++)
        {
            // Every path is guarded; this is the last line of defence of the promise that no
            // dimension is ever NaN or infinite.
            values[i] = double.IsFinite(v[i]) ? (float)v[i] : 0.0f;
        }

        return new Fingerprint(values);
    }

    /// <summary>
    /// <see cref="Finish"/> before the final rounding to f32: the 25 values in f64, for tests that
    /// need to see differences the f32 rounding would hide.
    /// </summary>
    internal double[] FinishUnrounded()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_finished)
        {
            throw AlreadyFinished();
        }

        _finished = true;
        if (_stagedCount > 0)
        {
            ProcessRun(_staged.AsSpan(0, _stagedCount));
            _stagedCount = 0;
        }

        double sr = _sampleRate;
        var minFrames = (long)Math.Ceiling(MinDurationS * sr);
        if (_frames < minFrames)
        {
            throw new FingerprintException(
                FingerprintErrorKind.TooShort,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"audio too short: {_frames} frames ({_frames / sr:F3} s) at {_sampleRate} Hz; at least {minFrames} frames ({MinDurationS} s) are needed"));
        }

        var durationS = _frames / sr;
        var binHz = sr / _fftLength;
        var v = new double[Fingerprint.Dimensions];

        // Version 2 takes the band shares and bass_mid_ratio from the long-term spectrum sampled
        // on the fixed grid, so that every rate sums the same curve.
        var (bandLtas, bandHz) = Version < 2 ? (_ltas, binHz) : (LtasGrid.Sample(_ltas, binHz), CellGrid.CellHz);
        Spectrum.BandShares(bandLtas, bandHz, v.AsSpan(0, 7));

        var kEnergies = new double[_segments.Count];
        var silentSegments = 0;
        for (var i = 0; i < kEnergies.Length; i++)
        {
            kEnergies[i] = _segments.Items[i].KEnergy;
        }

        v[7] = Loudness.Integrated(kEnergies, _segmentLength);

        var samples = (double)_frames * _channels;
        var rms = Math.Sqrt(_sumSquares / samples);
        v[8] = rms > 0.0 && _peak > 0.0 ? 20.0 * Math.Log10(_peak / rms) : 0.0;
        v[9] = Spectrum.BassMidRatioDb(bandLtas, bandHz);

        var onsetRate = sr / _onsetHop;
        (v[10], v[11], v[12]) = Rhythm.Analyze(_onsets.Envelope.Items, _onsets.Accent is { } accent ? accent.Items : default, onsetRate, durationS);

        // A track with no block above BS.1770's absolute gate (its loudness reads as the gate) is
        // silent throughout: a relative threshold would otherwise follow its hiss down.
        var blockSilence = Version < 2 ? SilenceRms
            : v[7] <= Loudness.AbsoluteGateLufs ? double.PositiveInfinity
            : Math.Pow(10.0, Math.Max(v[7] - BlockSilenceBelowLoudnessDb, BlockSilenceFloorDbfs) / 20.0);
        foreach (var s in _segments.Items)
        {
            if (Math.Sqrt(s.MidEnergy / _segmentLength) < blockSilence)
            {
                silentSegments++;
            }
        }

        v[13] = _segments.Count > 0 ? (double)silentSegments / _segments.Count : 0.0;
        v[14] = Spectrum.Centroid(_ltas, binHz);
        v[15] = Spectrum.Rolloff(_ltas, binHz);
        double voiced = _nonSilentFrames;
        v[16] = voiced > 0.0 ? _flatnessSum / voiced : 0.0;
        v[17] = _hpss.Finish();
        v[18] = _pairs > 0 ? (double)_stablePairs / _pairs : 0.0;
        v[19] = voiced > 0.0 ? _chromaEnergySum / voiced : 0.0;
        v[20] = Loudness.Range(kEnergies, _segmentLength);
        v[21] = Version < 2 ? Loudness.ShortTermStd(kEnergies, _segmentLength) : Loudness.ShortTermStdGated(kEnergies, _segmentLength, v[7]);
        v[22] = PeakConsistency(blockSilence);
        (v[23], v[24]) = StereoImage();
        return v;
    }

    public void Dispose() => _disposed = true;

    private static FingerprintException AlreadyFinished() =>
        new(FingerprintErrorKind.InvalidState, "the analyzer has already finished");

    /// <summary>Rust's Display of an f32 that is not finite ("NaN", "inf", "-inf").</summary>
    private static string FormatLikeRust(float value) =>
        float.IsNaN(value) ? "NaN" : float.IsPositiveInfinity(value) ? "inf" : float.IsNegativeInfinity(value) ? "-inf" : value.ToString("R", CultureInfo.InvariantCulture);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        ref var start = ref MemoryMarshal.GetReference(values);
        var i = 0;
        for (; i + 8 <= values.Length; i += 8)
        {
            // x - x is 0 for finite x and NaN for NaN and ±inf.
            var v = Vector256.LoadUnsafe(ref start, (nuint)i);
            if (!Vector256.EqualsAll(v - v, Vector256<float>.Zero))
            {
                break;
            }
        }

        for (; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private int NextRunLength() =>
        Math.Min(_segmentLength - _segmentFill, ReductionRun - (_segmentFill % ReductionRun));

    private void ProcessRun(ReadOnlySpan<float> block)
    {
        var frames = block.Length / _channels;

        // `mid` first: it adds to the open segment, which PushLevels may close.
        PushMid(block, frames);
        PushLevels(block, frames);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PushLevels(ReadOnlySpan<float> block, int frames)
    {
        var ch = _channels;
        var peak = Kernels.PeakAbs(block);
        _segment.Peak = Math.Max(_segment.Peak, peak);
        _peak = Math.Max(_peak, peak);
        _sumSquares += Kernels.SumSquares(block);

        _moments.AsSpan().Clear();
        Kernels.StereoMoments(block, ch, 0, ch > 1 ? 1 : 0, _moments);
        for (var i = 0; i < 5; i++)
        {
            _stereo[i] += _moments[i];
        }

        // K-weighting, channels in pairs; the LFE (weight 0) is skipped.
        foreach (var (a, b) in _kPairs)
        {
            if (b >= 0)
            {
                var (ea, eb) = KWeighting.EnergyPair(_kShelf, _kHighPass, _kState.AsSpan(4 * a, 4), _kState.AsSpan(4 * b, 4), block, a, b, ch);
                _segment.KEnergy += (_kWeights[a] * ea) + (_kWeights[b] * eb);
            }
            else
            {
                var e = KWeighting.Energy(_kShelf, _kHighPass, _kState.AsSpan(4 * a, 4), block, a, ch);
                _segment.KEnergy += _kWeights[a] * e;
            }
        }

        _frames += frames;
        _segmentFill += frames;
        if (_segmentFill == _segmentLength)
        {
            _segments.Add(_segment);
            _segment = default;
            _segmentFill = 0;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PushMid(ReadOnlySpan<float> block, int frames)
    {
        var ch = _channels;
        var mid = _mid.AsSpan(0, frames);
        if (ch == 1)
        {
            block.CopyTo(mid);
        }
        else if (ch == 2)
        {
            var f = 0;
            if (Avx.IsSupported)
            {
                ref var s = ref MemoryMarshal.GetReference(block);
                ref var m = ref MemoryMarshal.GetReference(mid);
                var half = Vector256.Create(0.5f);
                for (; f + 8 <= frames; f += 8)
                {
                    // hadd gives frames [0 1 4 5 | 2 3 6 7] (l + r each); the 64-bit permute restores the order.
                    var sums = Avx.HorizontalAdd(Vector256.LoadUnsafe(ref s, (nuint)(2 * f)), Vector256.LoadUnsafe(ref s, (nuint)((2 * f) + 8)));
                    var ordered = Avx2.IsSupported
                        ? Avx2.Permute4x64(sums.AsDouble(), 0b11_01_10_00).AsSingle()
                        : Vector256.Shuffle(sums, Vector256.Create(0, 1, 4, 5, 2, 3, 6, 7));
                    (ordered * half).StoreUnsafe(ref m, (nuint)f);
                }
            }

            for (; f < frames; f++)
            {
                mid[f] = (block[2 * f] + block[(2 * f) + 1]) * 0.5f;
            }
        }
        else
        {
            var inv = 1.0f / ch;
            for (var f = 0; f < frames; f++)
            {
                var frame = block.Slice(f * ch, ch);
                var sum = 0.0f;
                foreach (var x in frame)
                {
                    sum += x;
                }

                mid[f] = sum * inv;
            }
        }

        _segment.MidEnergy += Kernels.SumSquares(mid);
        _subsonic?.Process(mid);

        if (_pendingEnd + frames > _pending.Length)
        {
            // Less than one FFT frame is pending: move it to the front.
            _pending.AsSpan(_pendingStart, _pendingEnd - _pendingStart).CopyTo(_pending);
            _pendingEnd -= _pendingStart;
            _pendingStart = 0;
        }

        mid.CopyTo(_pending.AsSpan(_pendingEnd));
        _pendingEnd += frames;
        while (_pendingStart + _windowLength <= _pendingEnd)
        {
            SpectralFrame(_pendingStart);
            _pendingStart += _onsetHop;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SpectralFrame(int start)
    {
        var frame = _pending.AsSpan(start, _windowLength);
        ref var x = ref MemoryMarshal.GetReference(frame);
        ref var w = ref MemoryMarshal.GetArrayDataReference(_window);
        ref var o = ref MemoryMarshal.GetArrayDataReference(_windowed);
        var i = 0;
        for (; i + 8 <= _windowLength; i += 8)
        {
            (Vector256.LoadUnsafe(ref x, (nuint)i) * Vector256.LoadUnsafe(ref w, (nuint)i)).StoreUnsafe(ref o, (nuint)i);
        }

        for (; i < _windowLength; i++)
        {
            _windowed[i] = frame[i] * _window[i];
        }

        // _windowed[_windowLength..] stays zero: the FFT's input is zero-padded.

        var isMain = _frameIndex % _mainEvery == 0;
        var energy = isMain ? Kernels.SumSquares(frame) : 0.0;
        _fft.PowerSpectrum(_windowed, _power, _scratch);
        _onsets.Push(_power);
        _frameIndex++;
        if (!isMain)
        {
            return;
        }

        var silent = Math.Sqrt(energy / _windowLength) < SilenceRms;

        // Version 2 leaves silent frames out of every spectral dimension (version 1 only out of
        // flatness and chroma): a near-silent track has no spectrum rather than its noise's.
        if (!silent || Version < 2)
        {
            AccumulateLtas();
            if (_hpssGrid is { } grid)
            {
                grid.Map(_power, _hpssCells);
                _hpss.Push(_hpssCells);
            }
            else
            {
                _hpss.Push(_power);
            }
        }

        if (silent)
        {
            _previousClass = NoPrevious;
            return;
        }

        _nonSilentFrames++;
        _flatnessSum += _hpssGrid is null
            ? Spectrum.Flatness(_power.AsSpan(_flatLo, _flatHi - _flatLo + 1))
            : Spectrum.Flatness(_hpssCells.AsSpan(_flatLo, _flatHi - _flatLo + 1), _flatFloor);
        var (strongest, chromaEnergy) = _peakChroma is { } peaks ? peaks.Frame(_hpssCells, _previousClass >= 0 ? _previousClass : -1) : _chroma!.Frame(_power);
        _chromaEnergySum += chromaEnergy;
        if (_previousClass != NoPrevious)
        {
            _pairs++;
            if (_previousClass >= 0 && _previousClass == strongest)
            {
                _stablePairs++;
            }
        }

        _previousClass = strongest;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AccumulateLtas()
    {
        ref var p = ref MemoryMarshal.GetArrayDataReference(_power);
        ref var acc = ref MemoryMarshal.GetArrayDataReference(_ltas);
        var k = 0;
        for (; k + 4 <= _ltas.Length; k += 4)
        {
            var sum = Vector256.LoadUnsafe(ref acc, (nuint)k) + Vector256.WidenLower(Vector128.LoadUnsafe(ref p, (nuint)k).ToVector256Unsafe());
            sum.StoreUnsafe(ref acc, (nuint)k);
        }

        for (; k < _ltas.Length; k++)
        {
            _ltas[k] += _power[k];
        }
    }

    /// <summary>
    /// 1 / (1 + CV) of the peaks of non-silent 1 s blocks (10 segments); a track shorter than
    /// 1 s is one block. 0 when every block is silent.
    /// </summary>
    private double PeakConsistency(double silenceRms)
    {
        const int PerBlock = 10;
        var segments = _segments.Items;
        var blocks = segments.Length / PerBlock;
        var blockLength = PerBlock;
        if (blocks == 0 && segments.Length > 0)
        {
            blocks = 1;
            blockLength = segments.Length;
        }

        var peaks = new List<double>(blocks);
        for (var b = 0; b < blocks; b++)
        {
            var block = segments.Slice(b * blockLength, blockLength);
            var energy = 0.0;
            var peak = 0.0f;
            foreach (var s in block)
            {
                energy += s.MidEnergy;
                peak = Math.Max(peak, s.Peak);
            }

            if (Math.Sqrt(energy / ((double)block.Length * _segmentLength)) >= silenceRms)
            {
                peaks.Add(peak);
            }
        }

        if (peaks.Count == 0)
        {
            return 0.0;
        }

        var mean = 0.0;
        foreach (var p in peaks)
        {
            mean += p;
        }

        mean /= peaks.Count;
        if (mean <= 0.0)
        {
            return 0.0;
        }

        var variance = 0.0;
        foreach (var p in peaks)
        {
            variance += (p - mean) * (p - mean);
        }

        variance /= peaks.Count;
        return 1.0 / (1.0 + (Math.Sqrt(variance) / mean));
    }

    /// <summary>(stereo_width, phase_correlation) of channels 0 and 1 (a mono file has L = R).</summary>
    private (double Width, double Correlation) StereoImage()
    {
        double l = _stereo[0], r = _stereo[1], ll = _stereo[2], rr = _stereo[3], lr = _stereo[4];
        double n = _frames;

        // M = (L+R)/2 and S = (L-R)/2, from the moments.
        var mm = (ll + (2.0 * lr) + rr) / 4.0;
        var ss = Math.Max((ll - (2.0 * lr) + rr) / 4.0, 0.0);
        var rmsM = Math.Sqrt(Math.Max(mm, 0.0) / n);
        var rmsS = Math.Sqrt(ss / n);
        var width = rmsM + rmsS > 0.0 ? rmsS / (rmsM + rmsS) : 0.0;
        var varL = Math.Max((ll / n) - ((l / n) * (l / n)), 0.0);
        var varR = Math.Max((rr / n) - ((r / n) * (r / n)), 0.0);
        var cov = (lr / n) - ((l / n) * (r / n));

        // Variances this small are rounding noise, not signal: silence and DC count as mono.
        const double Tiny = 1e-20;
        var correlation = (varL > Tiny, varR > Tiny) switch
        {
            (true, true) => Math.Clamp(cov / Math.Sqrt(varL * varR), -1.0, 1.0),
            (false, false) => 1.0,
            _ => 0.0,
        };
        return (width, correlation);
    }

    /// <summary>Per 100 ms segment.</summary>
    private struct Segment
    {
        /// <summary>Channel-weighted sum of squares of the K-weighted signal.</summary>
        public double KEnergy;

        /// <summary>Sum of squares of <c>mid</c>.</summary>
        public double MidEnergy;

        /// <summary>Largest |sample| over all channels.</summary>
        public float Peak;
    }
}
