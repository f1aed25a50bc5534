using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Auralis.Fingerprinting.Managed;

/// <summary>
/// Harmonic ratio (dimension 18): harmonic/percussive separation of the 0-5 kHz magnitude
/// spectrogram by median filtering (17 frames in time, 17 bins in frequency), soft masks with
/// power 2, and the harmonic share of the separated energy.
/// </summary>
/// <remarks>
/// Streaming: the time median of frame t needs frames t-8..t+8, so a ring of the last 17 frames
/// is kept and frame t is separated when frame t+8 arrives (edges replicate the first or last
/// frame). Rows are stored with 8 replicated edge bins on both sides, so both medians read
/// contiguous runs of 8 bins and <see cref="Median17"/> computes 8 medians at once.
/// </remarks>
internal sealed class Hpss
{
    private const int Kernel = Median17.Count;
    private const int Half = Kernel / 2;
    private const int Lanes = 8;

    /// <summary>Bins separated: 0..bins (0-5 kHz).</summary>
    private readonly int _bins;

    /// <summary>Real bins kept per frame: a few past 5 kHz so the frequency median near 5 kHz sees data.</summary>
    private readonly int _width;

    /// <summary>Stored row length: Half replicated bins, width bins, then the last bin replicated up to whole lanes plus Half.</summary>
    private readonly int _stride;

    private readonly float[] _ring;
    private readonly int[] _timeOffsets = new int[Kernel];
    private readonly int[] _frequencyOffsets = new int[Kernel];
    private long _framesSeen;
    private long _nextToSeparate;
    private double _harmonicEnergy;
    private double _percussiveEnergy;

    /// <param name="bins">Number of bins from 0 up to 5 kHz.</param>
    /// <param name="available">Bins in a frame (n/2 + 1).</param>
    public Hpss(int bins, int available)
    {
        _bins = bins;
        _width = Math.Min(bins + Half, available);
        var lanes = (bins + Lanes - 1) / Lanes * Lanes;
        _stride = Half + Math.Max(lanes, _width) + Half + Lanes;
        _ring = new float[Kernel * _stride];
    }

    /// <summary>Adds one frame's power spectrum (at least width bins).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Push(ReadOnlySpan<float> power)
    {
        var slot = (int)(_framesSeen % Kernel);
        var row = _ring.AsSpan(slot * _stride, _stride);
        var body = row.Slice(Half, _width);
        var source = power[.._width];
        var k = 0;
        for (; k + Lanes <= _width; k += Lanes)
        {
            Vector256.Sqrt(Vector256.Create(source.Slice(k, Lanes))).CopyTo(body.Slice(k, Lanes));
        }

        for (; k < _width; k++)
        {
            body[k] = MathF.Sqrt(source[k]);
        }

        row[..Half].Fill(body[0]);
        row[(Half + _width)..].Fill(body[_width - 1]);
        _framesSeen++;

        // Frame t can be separated once t + 8 has arrived.
        while (_nextToSeparate + Half < _framesSeen)
        {
            Separate(_nextToSeparate, _framesSeen - 1);
            _nextToSeparate++;
        }
    }

    /// <summary>Separates frame t with the time window clamped to [0, last].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Separate(long t, long last)
    {
        for (var j = 0; j < Kernel; j++)
        {
            var frame = Math.Min(Math.Max(t + j - Half, 0), last);
            _timeOffsets[j] = ((int)(frame % Kernel) * _stride) + Half;
        }

        var centre = _timeOffsets[Half] - Half;
        for (var j = 0; j < Kernel; j++)
        {
            _frequencyOffsets[j] = centre + j;
        }

        ref var ring = ref MemoryMarshal.GetArrayDataReference(_ring);
        var zero = Vector256<double>.Zero;
        double harmonicEnergy = 0.0, percussiveEnergy = 0.0;
        for (var k0 = 0; k0 < _bins; k0 += Lanes)
        {
            // Time median: bins k0..k0+8 of frames t-8..t+8; frequency median: bins k-8..k+8 of
            // frame t, for k = k0..k0+8. Offsets stay inside the row (see _stride).
            var harmonic = Median17.Of(ref ring, _timeOffsets, k0);
            var percussive = Median17.Of(ref ring, _frequencyOffsets, k0);
            var x = Vector256.LoadUnsafe(ref ring, (nuint)(centre + Half + k0));
            if (k0 + Lanes <= _bins)
            {
                // Soft (Wiener-like) masks with power 2 applied to the magnitude, in f64, four
                // lanes at a time; the energies are then summed lane by lane (the native order).
                for (var part = 0; part < 2; part++)
                {
                    var h = part == 0 ? Vector256.WidenLower(harmonic) : Vector256.WidenUpper(harmonic);
                    var p = part == 0 ? Vector256.WidenLower(percussive) : Vector256.WidenUpper(percussive);
                    var xd = part == 0 ? Vector256.WidenLower(x) : Vector256.WidenUpper(x);
                    var h2 = h * h;
                    var p2 = p * p;
                    var denom = h2 + p2;
                    var valid = Vector256.GreaterThan(denom, zero);
                    var hs = xd * h2 / denom;
                    var ps = xd * p2 / denom;
                    var hsq = Vector256.ConditionalSelect(valid, hs * hs, zero);
                    var psq = Vector256.ConditionalSelect(valid, ps * ps, zero);
                    harmonicEnergy += hsq.GetElement(0);
                    percussiveEnergy += psq.GetElement(0);
                    harmonicEnergy += hsq.GetElement(1);
                    percussiveEnergy += psq.GetElement(1);
                    harmonicEnergy += hsq.GetElement(2);
                    percussiveEnergy += psq.GetElement(2);
                    harmonicEnergy += hsq.GetElement(3);
                    percussiveEnergy += psq.GetElement(3);
                }
            }
            else
            {
                for (var l = 0; l < _bins - k0; l++)
                {
                    var h2 = (double)harmonic.GetElement(l) * harmonic.GetElement(l);
                    var p2 = (double)percussive.GetElement(l) * percussive.GetElement(l);
                    var denom = h2 + p2;
                    if (denom > 0.0)
                    {
                        var hs = x.GetElement(l) * h2 / denom;
                        var ps = x.GetElement(l) * p2 / denom;
                        harmonicEnergy += hs * hs;
                        percussiveEnergy += ps * ps;
                    }
                }
            }
        }

        _harmonicEnergy += harmonicEnergy;
        _percussiveEnergy += percussiveEnergy;
    }

    /// <summary>
    /// Separates the last frames (their future is the last frame, replicated) and returns
    /// ΣH² / (ΣH² + ΣP²), or 0 when there is no energy.
    /// </summary>
    public double Finish()
    {
        if (_framesSeen > 0)
        {
            var last = _framesSeen - 1;
            while (_nextToSeparate < _framesSeen)
            {
                Separate(_nextToSeparate, last);
                _nextToSeparate++;
            }
        }

        var total = _harmonicEnergy + _percussiveEnergy;
        return total > 0.0 ? _harmonicEnergy / total : 0.0;
    }
}
