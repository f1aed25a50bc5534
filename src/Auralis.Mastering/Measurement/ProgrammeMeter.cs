using Auralis.Mastering.Dsp;

namespace Auralis.Mastering.Measurement;

/// <summary>What <see cref="ProgrammeMeter"/> measured.</summary>
/// <param name="IntegratedLufs">BS.1770-4 integrated loudness (-70.0 when nothing passes the gates).</param>
/// <param name="TruePeakDbtp">Oversampled peak in dBTP (<see cref="Dsp.TruePeakDetector"/>: 8x near the maximum); -200 for silence.</param>
/// <param name="SamplePeakDbfs">Largest |sample| in dBFS (-200 for silence).</param>
/// <param name="CrestDb">20 log10(sample peak / RMS) over all samples of all channels, as the fingerprint's crest_db; 0 for silence.</param>
/// <param name="Frames">Frames measured.</param>
public sealed record ProgrammeMeasurement(double IntegratedLufs, double TruePeakDbtp, double SamplePeakDbfs, double CrestDb, long Frames);

/// <summary>
/// Measures a programme as it streams by: integrated loudness, true peak, sample peak and crest
/// factor. Used on the rendered output (the CLI's numbers) and by the planner's measuring pass.
/// </summary>
public sealed class ProgrammeMeter
{
    /// <summary>
    /// Where the true peak so far is: the frame (counted from the first pushed, across breaks)
    /// that starts the interval it was found in; 0 before any.
    /// </summary>
    public long TruePeakFrame { get; private set; }

    /// <summary>The loudness meter's 400 ms block energies so far (<see cref="LoudnessMeter.BlockEnergies"/>).</summary>
    public IReadOnlyList<double> BlockEnergies => _loudness.BlockEnergies;

    /// <summary>Stands for -inf dB in reports (JSON has no infinity).</summary>
    public const double SilenceDb = -200.0;

    private readonly int _channels;
    private readonly LoudnessMeter _loudness;
    private readonly TruePeakDetector _detector;
    private readonly float[] _zeros;
    private readonly float[] _intervals = new float[DetectorBlock];
    private const int DetectorBlock = 1024;
    private float _truePeak;
    private long _intervalsSeen;
    private float _samplePeak;
    private double _sumSquares;
    private long _frames;
    private int _detectorWarmup;
    private bool _unflushed;

    public ProgrammeMeter(int sampleRate, int channels)
    {
        _channels = channels;
        _loudness = new LoudnessMeter(sampleRate, channels);
        _detector = new TruePeakDetector(channels);
        _zeros = new float[channels * TruePeakDetector.Delay];
        _detectorWarmup = TruePeakDetector.Delay;
    }

    public void Push(ReadOnlySpan<float> interleaved)
    {
        _loudness.Push(interleaved);
        var sumSquares = 0.0;
        var peak = _samplePeak;
        foreach (var x in interleaved)
        {
            sumSquares += (double)x * x;
            peak = MathF.Max(peak, MathF.Abs(x));
        }

        _sumSquares += sumSquares;
        _samplePeak = peak;
        Detect(interleaved);

        _frames += interleaved.Length / _channels;
        _unflushed |= !interleaved.IsEmpty;
    }

    /// <summary>
    /// The next audio does not continue the last (sampled measurement): loudness blocks and the
    /// true-peak interpolator restart; peaks and RMS keep accumulating.
    /// </summary>
    public void Break()
    {
        FlushDetector();
        _loudness.Break();
        _detector.Reset();
        _detectorWarmup = TruePeakDetector.Delay;
    }

    /// <summary>The measurement so far (the interpolator's last few intervals are flushed with silence).</summary>
    public ProgrammeMeasurement Finish()
    {
        FlushDetector();
        var samples = _frames * _channels;
        var rms = samples > 0 ? Math.Sqrt(_sumSquares / samples) : 0.0;
        var crest = rms > 0.0 && _samplePeak > 0f ? 20.0 * Math.Log10(_samplePeak / rms) : 0.0;
        return new ProgrammeMeasurement(_loudness.IntegratedLufs(), ToDb(_truePeak), ToDb(_samplePeak), crest, _frames);
    }

    private static double ToDb(double linear) => linear > 0.0 ? 20.0 * Math.Log10(linear) : SilenceDb;

    private void Detect(ReadOnlySpan<float> interleaved)
    {
        var block = DetectorBlock * _channels;
        for (var offset = 0; offset < interleaved.Length; offset += block)
        {
            var part = interleaved.Slice(offset, Math.Min(block, interleaved.Length - offset));
            var intervals = _intervals.AsSpan(0, part.Length / _channels);
            // Only intervals that could raise the running maximum need the fine points.
            _detector.Process(part, intervals, _truePeak);
            foreach (var interval in intervals)
            {
                if (_detectorWarmup > 0)
                {
                    // The first results describe intervals before the audio began.
                    _detectorWarmup--;
                    continue;
                }

                if (interval > _truePeak)
                {
                    _truePeak = interval;
                    TruePeakFrame = _intervalsSeen;
                }

                _intervalsSeen++;
            }
        }
    }

    private void FlushDetector()
    {
        // The last Delay intervals are reported only once later samples arrive: pad with silence.
        if (!_unflushed)
        {
            return;
        }

        _unflushed = false;

        for (var i = 0; i < TruePeakDetector.Delay; i++)
        {
            Detect(_zeros);
        }
    }
}
