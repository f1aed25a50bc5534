using System.Globalization;
using Auralis.Mastering.Measurement;

namespace Auralis.Library.Tags;

/// <summary>
/// The loudness tags of one file as rsgain and loudgain write them (docs/tags.md): ReplayGain 2.0
/// gains against -18 LUFS with linear true peaks, and for Opus the R128 gains of RFC 7845 (Q7.8
/// against -23 LUFS). Album values are null when the file is tagged as a single track.
/// </summary>
/// <param name="TrackLufs">The track's BS.1770 integrated loudness.</param>
/// <param name="TrackPeakDbtp">The track's true peak, dBTP.</param>
/// <param name="AlbumLufs">The album's integrated loudness (its tracks' gating blocks pooled), or null.</param>
/// <param name="AlbumPeakDbtp">The loudest true peak of the album's tracks, or null.</param>
public sealed record LoudnessGains(double TrackLufs, double TrackPeakDbtp, double? AlbumLufs = null, double? AlbumPeakDbtp = null)
{
    /// <summary>ReplayGain 2.0's reference level (what players normalise to).</summary>
    public const double ReplayGainReferenceLufs = -18.0;

    /// <summary>RFC 7845's reference for R128_TRACK_GAIN and R128_ALBUM_GAIN (EBU R128's target).</summary>
    public const double R128ReferenceLufs = -23.0;

    public double TrackGainDb => ReplayGainReferenceLufs - TrackLufs;

    public double? AlbumGainDb => ReplayGainReferenceLufs - AlbumLufs;

    /// <summary>"-3.21 dB": two decimals, a minus sign when negative, invariant culture (what loudgain writes).</summary>
    public static string FormatGain(double gainDb)
    {
        // .NET formats doubles exactly as printf's %.2f rounds them; a gain that rounds to zero
        // is written "0.00" (players read either, and a signed zero reads as a mistake).
        var text = gainDb.ToString("0.00", CultureInfo.InvariantCulture);
        return (text == "-0.00" ? "0.00" : text) + " dB";
    }

    /// <summary>"0.987654": the linear peak (1.0 is full scale) with six decimals.</summary>
    public static string FormatPeak(double peakDbtp) => Math.Pow(10.0, peakDbtp / 20.0).ToString("0.000000", CultureInfo.InvariantCulture);

    /// <summary>
    /// An R128 gain: dB relative to -23 LUFS in Q7.8 fixed point (256 steps per dB), as a decimal
    /// integer, rounded half away from zero (loudgain writes -1216 for -4.75 dB) and clamped to
    /// the signed 16-bit range RFC 7845 allows.
    /// </summary>
    public static string FormatR128(double lufs)
    {
        var q78 = Math.Round((R128ReferenceLufs - lufs) * 256.0, MidpointRounding.AwayFromZero);
        return ((int)Math.Clamp(q78, short.MinValue, short.MaxValue)).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The gains of a track alone, from its stored or measured loudness.</summary>
    public static LoudnessGains OfTrack(TrackLoudness track)
    {
        ArgumentNullException.ThrowIfNull(track);
        return new LoudnessGains(track.IntegratedLufs, track.TruePeakDbtp);
    }

    /// <summary>
    /// The album values every track of <paramref name="album"/> gets: loudness by BS.1770 gating
    /// over all the tracks' blocks together (not a mean of track loudnesses), peak the largest.
    /// </summary>
    public static (double Lufs, double PeakDbtp) OfAlbum(IReadOnlyCollection<TrackLoudness> album)
    {
        ArgumentNullException.ThrowIfNull(album);
        return (LoudnessHistogram.IntegratedLufs(album.Select(t => t.Histogram)), album.Max(t => t.TruePeakDbtp));
    }
}
