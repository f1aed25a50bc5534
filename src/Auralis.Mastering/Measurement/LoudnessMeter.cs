using Auralis.Fingerprinting.Managed;
using CoreBiquad = Auralis.Fingerprinting.Managed.Biquad;

namespace Auralis.Mastering.Measurement;

/// <summary>
/// Streaming ITU-R BS.1770-4 integrated loudness: the K-weighting of Auralis.Core (the same
/// filters as the fingerprint's lufs), 100 ms segments of channel-weighted energy, 400 ms blocks
/// every 100 ms (75 % overlap), absolute gate -70 LUFS, relative gate -10 LU. Only block energies
/// are kept (8 bytes per 100 ms), never the audio. <see cref="Break"/> marks a discontinuity
/// (sampled measurement): no block spans it.
/// </summary>
public sealed class LoudnessMeter
{
    private const double AbsoluteGateLufs = -70.0;

    private readonly int _channels;
    private readonly int _segmentFrames;
    private readonly CoreBiquad _shelf;
    private readonly CoreBiquad _highPass;
    private readonly double[] _state;
    private readonly double[] _weights;
    private readonly double[] _recentSegments = new double[4];
    private readonly List<double> _blocks = new(4096);
    private int _segmentsInRun;
    private double _segmentEnergy;
    private int _segmentFill;

    public LoudnessMeter(int sampleRate, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 10);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        _channels = channels;
        _segmentFrames = sampleRate / 10;
        _shelf = CoreBiquad.KShelf(sampleRate);
        _highPass = CoreBiquad.KHighPass(sampleRate);
        _state = new double[4 * channels];
        _weights = [.. Enumerable.Range(0, channels).Select(c => KWeighting.ChannelWeight(c, channels))];
    }

    /// <summary>Gating blocks (400 ms) measured so far.</summary>
    public int Blocks => _blocks.Count;

    /// <summary>
    /// The mean-square (channel-weighted, K-weighted) energy of every 400 ms block so far, in
    /// order: block i starts i x 100 ms after the start of its run (a <see cref="Break"/> starts a run).
    /// </summary>
    public IReadOnlyList<double> BlockEnergies => _blocks;

    /// <summary>Adds interleaved audio.</summary>
    public void Push(ReadOnlySpan<float> interleaved)
    {
        if (interleaved.Length % _channels != 0)
        {
            throw new ArgumentException($"{interleaved.Length} samples is not a whole number of {_channels}-channel frames.", nameof(interleaved));
        }

        while (!interleaved.IsEmpty)
        {
            var frames = Math.Min(_segmentFrames - _segmentFill, interleaved.Length / _channels);
            var part = interleaved[..(frames * _channels)];
            _segmentEnergy += Energy(part);
            _segmentFill += frames;
            interleaved = interleaved[part.Length..];
            if (_segmentFill == _segmentFrames)
            {
                CloseSegment();
            }
        }
    }

    /// <summary>
    /// The audio pushed next does not continue what came before: the partial segment is dropped,
    /// filter state and the block window restart, so no gating block spans the gap.
    /// </summary>
    public void Break()
    {
        Array.Clear(_state);
        _segmentEnergy = 0.0;
        _segmentFill = 0;
        _segmentsInRun = 0;
    }

    /// <summary>Integrated loudness of everything pushed (LUFS); -70.0 when no block passes the gates.</summary>
    public double IntegratedLufs()
    {
        var (sum, count) = (0.0, 0);
        foreach (var z in _blocks)
        {
            if (ToLufs(z) > AbsoluteGateLufs)
            {
                sum += z;
                count++;
            }
        }

        if (count == 0)
        {
            return AbsoluteGateLufs;
        }

        var relativeGate = ToLufs(sum / count) - 10.0;
        (sum, count) = (0.0, 0);
        foreach (var z in _blocks)
        {
            if (ToLufs(z) > AbsoluteGateLufs && ToLufs(z) > relativeGate)
            {
                sum += z;
                count++;
            }
        }

        return count == 0 ? AbsoluteGateLufs : Math.Max(ToLufs(sum / count), AbsoluteGateLufs);
    }

    private static double ToLufs(double meanSquare) =>
        meanSquare > 0.0 ? -0.691 + (10.0 * Math.Log10(meanSquare)) : double.NegativeInfinity;

    private double Energy(ReadOnlySpan<float> part)
    {
        var energy = 0.0;
        var c = 0;
        for (; c + 1 < _channels; c += 2)
        {
            var (ea, eb) = KWeighting.EnergyPair(_shelf, _highPass, _state.AsSpan(4 * c, 4), _state.AsSpan(4 * (c + 1), 4), part, c, c + 1, _channels);
            energy += (_weights[c] * ea) + (_weights[c + 1] * eb);
        }

        for (; c < _channels; c++)
        {
            energy += _weights[c] * KWeighting.Energy(_shelf, _highPass, _state.AsSpan(4 * c, 4), part, c, _channels);
        }

        return energy;
    }

    private void CloseSegment()
    {
        _recentSegments[_segmentsInRun % 4] = _segmentEnergy;
        _segmentsInRun++;
        _segmentEnergy = 0.0;
        _segmentFill = 0;
        if (_segmentsInRun >= 4)
        {
            var sum = _recentSegments[0] + _recentSegments[1] + _recentSegments[2] + _recentSegments[3];
            _blocks.Add(sum / (4.0 * _segmentFrames));
        }
    }
}
