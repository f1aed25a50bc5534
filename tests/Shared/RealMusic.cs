namespace Auralis.Tests.Support;

/// <summary>
/// Real recordings from Debian packages that build.sh installs for the tests (asc-music: 3 MP3s at
/// 22.05 kHz; frozen-bubble-data: 2 Ogg Vorbis music tracks at 44.1 kHz). Tests over them are
/// skipped with a visible reason when the packages are absent, unless AURALIS_REQUIRE_MUSIC=1.
/// </summary>
public static class RealMusic
{
    public const string AscMusic = "/usr/share/games/asc/music";

    public const string FrozenBubble = "/usr/share/games/frozen-bubble/snd";

    /// <summary>The music files present, with the package each comes from.</summary>
    public static IReadOnlyList<string> Files =>
    [
        .. Existing(AscMusic, "*.mp3"),
        .. Existing(FrozenBubble, "frozen-mainzik-*.ogg"),
    ];

    private static IEnumerable<string> Existing(string directory, string pattern) =>
        Directory.Exists(directory) ? Directory.EnumerateFiles(directory, pattern).Order(StringComparer.Ordinal) : [];
}

/// <summary>
/// A theory over real music from a Debian package (xunit 2 decides skips at discovery time, so the
/// runner shows the reason in every summary instead of a test silently returning early).
/// </summary>
public sealed class RealMusicTheoryAttribute : TheoryAttribute
{
    public RealMusicTheoryAttribute(string package, string directory)
    {
        if (!Directory.Exists(directory) && Environment.GetEnvironmentVariable("AURALIS_REQUIRE_MUSIC") != "1")
        {
            Skip = $"{directory} is absent: install the Debian package {package} (set AURALIS_REQUIRE_MUSIC=1 to make this fail)";
        }
    }
}
