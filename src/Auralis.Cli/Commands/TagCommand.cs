using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Auralis.Audio;
using Auralis.Cli.Output;
using Auralis.Library.Database;
using Auralis.Library.Scanning;
using Auralis.Library.Sidecars;
using Auralis.Library.Tags;
using Auralis.Mastering.Measurement;

namespace Auralis.Cli.Commands;

/// <summary>
/// <c>auralis tag [PATH...] [--album] [--dry-run] [--json] [--db FILE]</c>: ReplayGain 2.0 and
/// R128 loudness tags as rsgain and loudgain write them (docs/tags.md), from the library's stored
/// loudness where it is current, else from a decode of the file. Only tags are written.
/// </summary>
internal static class TagCommand
{
    public static Command Create(CliContext context)
    {
        var paths = new Argument<string[]>("PATH")
        {
            Description = "Files or folders to tag (default: every track of the library).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var album = new Option<bool>("--album") { Description = "Also write album gain and peak (albums by album and album-artist tags, else by folder)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would be written; change no file." };
        var db = CommonOptions.Database();
        var json = CommonOptions.Json();
        var command = new Command("tag", "Write ReplayGain 2.0 loudness tags (R128 gains for Opus) as rsgain and loudgain do; the audio is never rewritten.")
        {
            paths, album, dryRun, db, json,
        };
        command.SetAction(parse => Run(
            context, parse.GetValue(paths) ?? [], parse.GetValue(album), parse.GetValue(dryRun), parse.GetValue(db), parse.GetValue(json)));
        return command;
    }

    private static int Run(CliContext context, string[] paths, bool album, bool dryRun, string? dbPath, bool json)
    {
        var failures = new List<(string Path, string Message)>();
        LibraryDatabase? database;
        List<string> files;
        if (paths.Length == 0)
        {
            database = CommonOptions.OpenExistingDatabase(context, dbPath, out var refused);
            if (database is null)
            {
                return refused;
            }

            files = LibraryFiles(new TrackRepository(database));
            if (files.Count == 0)
            {
                database.Dispose();
                context.Out.WriteLine("The library has no tracks yet: run `auralis scan DIR`, or name files or folders to tag.");
                return ExitCodes.Success;
            }
        }
        else
        {
            var missing = paths.Where(p => !File.Exists(p) && !Directory.Exists(p)).ToList();
            foreach (var path in missing)
            {
                context.Error.WriteLine($"auralis: error: no such file or folder: {path}");
            }

            if (missing.Count > 0)
            {
                return ExitCodes.Usage;
            }

            // A named --db must exist; without one, the default library is used when there is one
            // (its stored loudness saves decoding), and files are measured when there is none.
            var defaultDb = dbPath ?? LibraryDatabase.DefaultPath;
            database = null;
            if (dbPath is not null || File.Exists(defaultDb))
            {
                database = CommonOptions.OpenExistingDatabase(context, defaultDb, out var refused);
                if (database is null)
                {
                    return refused;
                }
            }

            files = UserFiles(paths, failures);
        }

        using (database)
        {
            // Stopping between files is always clean: each file is tagged by renaming a finished copy over it.
            using var interrupt = new Interruption(context, "finishing the file in progress; the rest stay as they are");
            var tagger = new Tagger(context, new LoudnessLookup(database, new SidecarStore()), json, dryRun);
            try
            {
                return tagger.Run(files, album, failures, interrupt.Token);
            }
            catch (OperationCanceledException) when (interrupt.Requested)
            {
                context.Error.WriteLine("auralis: interrupted: the files tagged so far keep their new tags, the others are unchanged; run the same command again to finish");
                return ExitCodes.Interrupted;
            }
        }
    }

    /// <summary>The library's tracks that are complete (fingerprinted) or pending, in path order.</summary>
    private static List<string> LibraryFiles(TrackRepository tracks)
    {
        const int page = 2_000;
        var files = new List<string>();
        for (var offset = 0; ; offset += page)
        {
            var rows = tracks.List(page, offset);
            files.AddRange(rows.Select(r => r.FilePath));
            if (rows.Count < page)
            {
                break;
            }
        }

        return [.. files.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>The named files, and the audio files under the named folders (as a scan walks them), by their real paths.</summary>
    private static List<string> UserFiles(string[] paths, List<(string Path, string Message)> failures)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            // Real paths: the tagged copy replaces the file itself, never a link to it, and the
            // library knows tracks by their real paths.
            var real = CanonicalPath.Resolve(path) ?? Path.GetFullPath(path);
            if (File.Exists(real))
            {
                files.Add(real);
                continue;
            }

            var walk = AudioFiles.Walk(real);
            foreach (var folder in walk.Unreadable)
            {
                failures.Add((folder.Path, $"{folder.Path}: folder not read: {folder.Cause}"));
            }

            foreach (var entry in walk.Files)
            {
                if (entry.Info is FileInfo { LinkTarget: null })
                {
                    files.Add(entry.Path);
                }
                else if (CanonicalPath.Resolve(entry.Path) is { } target && File.Exists(target))
                {
                    files.Add(target);
                }
                else
                {
                    failures.Add((entry.Path, $"{entry.Path}: not a file (a folder or a broken link with an audio name)"));
                }
            }
        }

        return [.. files.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>One run: measure or look up every file, group albums, write.</summary>
    private sealed class Tagger(CliContext context, LoudnessLookup lookup, bool json, bool dryRun)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        private TimeSpan _lastProgress = TimeSpan.Zero;

        public int Run(List<string> files, bool album, List<(string Path, string Message)> failures, CancellationToken token)
        {
            var skipped = new List<(string Path, string Message)>();
            var measured = new List<(string Path, TrackLoudness Loudness)>();
            var origins = new Dictionary<LoudnessOrigin, int>();
            for (var i = 0; i < files.Count; i++)
            {
                token.ThrowIfCancellationRequested();
                var path = files[i];
                Progress(i, files.Count, origins.GetValueOrDefault(LoudnessOrigin.Measured));
                switch (ReplayGainWriter.CheckSupported(path))
                {
                    case TagWriteOutcome.Unsupported unsupported:
                        skipped.Add((path, unsupported.Cause));
                        Event("unsupported", path, unsupported.Cause);
                        continue;
                    case TagWriteOutcome.Failed failed:
                        failures.Add((path, failed.Cause));
                        Event("failed", path, failed.Cause);
                        continue;
                }

                FoundLoudness found;
                try
                {
                    found = lookup.Find(path, token);
                }
                catch (AudioDecodeException e)
                {
                    failures.Add((path, e.Message));
                    Event("failed", path, e.Message);
                    continue;
                }

                origins[found.Origin] = origins.GetValueOrDefault(found.Origin) + 1;
                if (found.Loudness.Histogram.Blocks == 0 || !double.IsFinite(found.Loudness.TruePeakDbtp))
                {
                    // A gain for silence would be +52 dB: no tag is better than that one.
                    const string silent = "silent (no 400 ms block above -70 LUFS): no loudness to tag";
                    skipped.Add((path, silent));
                    Event("skipped", path, silent);
                    continue;
                }

                measured.Add((path, found.Loudness));
            }

            var albums = album ? Albums(measured) : [];
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (path, loudness) in measured)
            {
                var gains = LoudnessGains.OfTrack(loudness);
                if (albums.TryGetValue(path, out var albumGains))
                {
                    gains = gains with { AlbumLufs = albumGains.Lufs, AlbumPeakDbtp = albumGains.PeakDbtp };
                }

                var outcome = ReplayGainWriter.Write(path, gains, dryRun);
                var kind = outcome switch
                {
                    TagWriteOutcome.Written => dryRun ? "would-tag" : "tagged",
                    TagWriteOutcome.Unchanged => "unchanged",
                    TagWriteOutcome.Unsupported => "unsupported",
                    _ => "failed",
                };
                counts[kind] = counts.GetValueOrDefault(kind) + 1;
                Report(outcome, kind, gains);
                switch (outcome)
                {
                    case TagWriteOutcome.Failed failed:
                        failures.Add((path, failed.Cause));
                        break;
                    case TagWriteOutcome.Unsupported unsupported:
                        skipped.Add((path, unsupported.Cause));
                        break;
                }
            }

            Summary(counts, origins, skipped, failures);
            return failures.Count > 0 ? ExitCodes.SomeTracksFailed : ExitCodes.Success;
        }

        /// <summary>
        /// Album values per file (docs/tags.md, "Albums"): tracks with the same album and album
        /// artist tags are one album; an album tag without an album artist holds within its folder
        /// (two "Greatest Hits" of different artists stay apart); untagged tracks: their folder.
        /// </summary>
        private static Dictionary<string, (double Lufs, double PeakDbtp)> Albums(List<(string Path, TrackLoudness Loudness)> tracks)
        {
            var result = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
            foreach (var group in tracks.GroupBy(t => AlbumKey(t.Path), StringComparer.Ordinal))
            {
                var members = group.ToList();
                var values = LoudnessGains.OfAlbum([.. members.Select(m => m.Loudness)]);
                foreach (var (path, _) in members)
                {
                    result[path] = values;
                }
            }

            return result;
        }

        private static string AlbumKey(string path)
        {
            var folder = Path.GetDirectoryName(path) ?? "";
            if (TagReader.Read(path) is TagReadResult.Read { Tags.Album: { } albumTag } read)
            {
                var album = TextFold.Fold(albumTag);
                return read.Tags.AlbumArtist is { } artist
                    ? $"tags\u0001{TextFold.Fold(artist)}\u0001{album}"
                    : $"folder-album\u0001{folder}\u0001{album}";
            }

            return $"folder\u0001{folder}";
        }

        private void Progress(int done, int total, int decoded)
        {
            if (done == 0 || _clock.Elapsed - _lastProgress < TimeSpan.FromSeconds(json ? 1 : 5))
            {
                return;
            }

            _lastProgress = _clock.Elapsed;
            if (json)
            {
                JsonLines.Write(context.Out, w =>
                {
                    w.WriteString("event", "progress");
                    w.WriteNumber("done", done);
                    w.WriteNumber("total", total);
                    w.WriteNumber("measured", decoded);
                });
            }
            else
            {
                context.Error.WriteLine($"auralis: loudness of {done}/{total} files ({decoded} decoded, the rest from the library)");
            }
        }

        private void Event(string kind, string path, string message)
        {
            if (json)
            {
                JsonLines.Write(context.Out, w =>
                {
                    w.WriteString("event", kind);
                    w.WriteString("path", path);
                    w.WriteString("message", message);
                });
            }
            else
            {
                var text = message.StartsWith(path, StringComparison.Ordinal) ? message : $"{path}: {message}";
                context.Error.WriteLine(kind == "failed" ? $"auralis: error: {text}" : $"auralis: note: {kind}: {text}");
            }
        }

        private void Report(TagWriteOutcome outcome, string kind, LoudnessGains gains)
        {
            switch (outcome)
            {
                case TagWriteOutcome.Written written:
                    Line(kind, written.Path, written.Container, written.Tags, written.Removed, gains);
                    break;
                case TagWriteOutcome.Unchanged unchanged:
                    Line(kind, unchanged.Path, unchanged.Container, unchanged.Tags, [], gains);
                    break;
                case TagWriteOutcome.Unsupported unsupported:
                    Event(kind, unsupported.Path, unsupported.Cause);
                    break;
                case TagWriteOutcome.Failed failed:
                    Event(kind, failed.Path, failed.Cause);
                    break;
            }
        }

        private void Line(string kind, string path, TagContainer container, IReadOnlyList<LoudnessTag> tags, IReadOnlyList<LoudnessTag> removed, LoudnessGains gains)
        {
            if (json)
            {
                JsonLines.Write(context.Out, w =>
                {
                    w.WriteString("event", kind);
                    w.WriteString("path", path);
                    w.WriteString("container", ContainerName(container));
                    w.WriteRounded("track_lufs", gains.TrackLufs, 2);
                    w.WriteRounded("track_peak_dbtp", gains.TrackPeakDbtp, 2);
                    w.WriteRounded("album_lufs", gains.AlbumLufs, 2);
                    w.WriteRounded("album_peak_dbtp", gains.AlbumPeakDbtp, 2);
                    w.WriteStartObject("tags");
                    foreach (var tag in tags)
                    {
                        w.WriteString(tag.Key, tag.Value);
                    }

                    w.WriteEndObject();
                    w.WriteStartArray("removed");
                    foreach (var tag in removed)
                    {
                        w.WriteStringValue(tag.Key);
                    }

                    w.WriteEndArray();
                });
                return;
            }

            // Where people read: the title (else the file name); the path is in --json and in failures.
            var shown = TextFold.ShownName(path, TagReader.Read(path) is TagReadResult.Read read ? read.Tags.Title : null);
            var values = string.Join(", ", tags.Select(t => $"{t.Key}={t.Value}"));
            var dropped = removed.Count > 0 ? $" (removed {string.Join(", ", removed.Select(t => t.Key).Distinct(StringComparer.Ordinal))})" : "";
            context.Out.WriteLine($"{kind,-10} {shown}: {values}{dropped}");
        }

        private void Summary(Dictionary<string, int> counts, Dictionary<LoudnessOrigin, int> origins, List<(string Path, string Message)> skipped, List<(string Path, string Message)> failures)
        {
            var fromLibrary = origins.GetValueOrDefault(LoudnessOrigin.Database) + origins.GetValueOrDefault(LoudnessOrigin.Sidecar);
            var decoded = origins.GetValueOrDefault(LoudnessOrigin.Measured);
            if (json)
            {
                JsonLines.Write(context.Out, w =>
                {
                    w.WriteString("event", "summary");
                    w.WriteBoolean("dry_run", dryRun);
                    w.WriteNumber(dryRun ? "would_tag" : "tagged", counts.GetValueOrDefault(dryRun ? "would-tag" : "tagged"));
                    w.WriteNumber("unchanged", counts.GetValueOrDefault("unchanged"));
                    w.WriteNumber("skipped", skipped.Count);
                    w.WriteNumber("failed", failures.Count);
                    w.WriteNumber("from_database", origins.GetValueOrDefault(LoudnessOrigin.Database));
                    w.WriteNumber("from_sidecar", origins.GetValueOrDefault(LoudnessOrigin.Sidecar));
                    w.WriteNumber("measured", decoded);
                });
                return;
            }

            var done = dryRun
                ? $"Would tag {counts.GetValueOrDefault("would-tag")} files (dry run: nothing written)"
                : $"Tagged {counts.GetValueOrDefault("tagged")} files";
            context.Out.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{done}; {counts.GetValueOrDefault("unchanged")} already up to date, {skipped.Count} skipped, {failures.Count} failed. Loudness: {fromLibrary} from the library, {decoded} measured by decoding."));
            FailureList.Write(Consoles.For(context.Out), failures);
        }

        private static string ContainerName(TagContainer container) => container switch
        {
            TagContainer.VorbisComment => "vorbis-comment",
            TagContainer.Opus => "opus-r128",
            TagContainer.Id3v2 => "id3v2",
            TagContainer.Ape => "ape",
            TagContainer.Mp4 => "mp4",
            _ => container.ToString(),
        };
    }
}
