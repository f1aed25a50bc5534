using System.Diagnostics;
using System.Globalization;
using Auralis.Audio;

namespace Auralis.Benchmarks;

/// <summary>
/// libsndfile against the ffmpeg pipe on the same files, one file at a time, each decoder forced
/// through <see cref="AudioDecodeOptions.Decoders"/> (so the ffmpeg figure includes ffprobe and
/// the pipe, as in a scan). Prints seconds, realtime factor and the ffmpeg/libsndfile ratio per
/// format; this is how the default order per format in AudioDecoder was chosen (docs/decoding.md).
/// </summary>
internal static class DecoderTiming
{
    public static int Run(string[] paths)
    {
        var files = paths.SelectMany(p => Directory.Exists(p)
                ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories)
                : [p])
            .Where(f => Path.GetExtension(f).ToLowerInvariant() is ".opus" or ".ogg" or ".mp3" or ".flac" or ".wav")
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            Console.Error.WriteLine("decoders: no .opus/.ogg/.mp3/.flac/.wav files given");
            return 2;
        }

        Console.WriteLine("format  files  audio_s  libsndfile_s  ffmpeg_s  libsndfile_x  ffmpeg_x  ffmpeg/libsndfile");
        foreach (var group in files.GroupBy(f => Path.GetExtension(f).ToLowerInvariant()).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var list = group.ToList();
            Time(list, AudioDecoder.LibSndFile, out _); // warm-up: page cache, JIT
            double sndfile = Time(list, AudioDecoder.LibSndFile, out double audio);
            double ffmpeg = Time(list, AudioDecoder.Ffmpeg, out _);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{group.Key,-6}  {list.Count,5}  {audio,7:0}  {sndfile,12:0.00}  {ffmpeg,8:0.00}  {audio / sndfile,12:0}  {audio / ffmpeg,8:0}  {ffmpeg / sndfile,17:0.00}"));
        }

        return 0;
    }

    /// <summary>Seconds to decode every file with one decoder; a file that decoder fails on counts as its time until the failure.</summary>
    private static double Time(List<string> files, string decoder, out double audioSeconds)
    {
        var options = new AudioDecodeOptions { Decoders = [decoder] };
        var buffer = new float[65536 * 8];
        double audio = 0;
        var clock = Stopwatch.StartNew();
        foreach (string file in files)
        {
            try
            {
                audio += AudioDecoder.Decode(file, reader =>
                {
                    long frames = 0;
                    int read;
                    while ((read = reader.Read(buffer.AsSpan(0, 65536 * reader.Info.Channels))) > 0)
                    {
                        frames += read;
                    }

                    return (double)frames / reader.Info.SampleRate;
                }, options);
            }
            catch (AudioDecodeException e)
            {
                Console.Error.WriteLine($"{decoder}: {e.Message}");
            }
        }

        audioSeconds = audio;
        return clock.Elapsed.TotalSeconds;
    }
}
