using Auralis.Fingerprinting;

namespace Auralis.Cli.Output;

/// <summary>
/// The `fingerprint --json` contract (the README): {"path", "engine",
/// "fingerprint_version", "duration_s", "sample_rate", "channels", "fingerprint": {25 names}}.
/// </summary>
internal static class FingerprintJson
{
    public static void Write(TextWriter output, FileFingerprint result) => JsonLines.Write(output, json =>
    {
        json.WriteString("path", result.Path);
        json.WriteString("engine", result.Engine);
        json.WriteNumber("fingerprint_version", result.Version);
        json.WriteNumber("duration_s", Math.Round(result.DurationSeconds, 6));
        json.WriteNumber("sample_rate", result.Audio.SampleRate);
        json.WriteNumber("channels", result.Audio.Channels);
        json.WriteStartObject("fingerprint");
        foreach (var (name, value) in result.Fingerprint.Named())
        {
            json.WriteNumber(name, value);
        }

        json.WriteEndObject();
    }, indented: true);
}
