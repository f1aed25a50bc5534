namespace Auralis.Audio.Tests.Support;

// xunit 2 has no runtime skip (Assert.Skip arrived in v3). Setting Skip in the attribute's
// constructor decides at discovery time instead, and the runner shows the test as skipped with
// the reason - visible in every summary, unlike a test that silently returns early.

/// <summary>A fact that needs ffmpeg on PATH (and optionally one of its encoders).</summary>
public sealed class FfmpegFactAttribute : FactAttribute
{
    public FfmpegFactAttribute(string? encoder = null)
    {
        if (ExternalTools.Ffmpeg is null)
        {
            Skip = "ffmpeg is not on PATH (Debian: apt-get install ffmpeg)";
        }
        else if (encoder is not null && !ExternalTools.HasEncoder(encoder))
        {
            Skip = $"this ffmpeg has no {encoder} encoder";
        }
    }
}

/// <summary>A theory that needs ffmpeg on PATH (and optionally one of its encoders).</summary>
public sealed class FfmpegTheoryAttribute : TheoryAttribute
{
    public FfmpegTheoryAttribute(string? encoder = null)
    {
        if (ExternalTools.Ffmpeg is null)
        {
            Skip = "ffmpeg is not on PATH (Debian: apt-get install ffmpeg)";
        }
        else if (encoder is not null && !ExternalTools.HasEncoder(encoder))
        {
            Skip = $"this ffmpeg has no {encoder} encoder";
        }
    }
}
