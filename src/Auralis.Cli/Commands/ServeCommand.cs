using System.CommandLine;
using System.Runtime.InteropServices;
using Auralis.Library.Database;
using Auralis.Server.Hosting;

namespace Auralis.Cli.Commands;

/// <summary>
/// <c>auralis serve [--db PATH] [--urls URL] [--root DIR]... [--token T] [--allowed-host NAME]... [--allowed-origin URL]...</c>: the fingerprint server
/// (gRPC auralis.v1.FingerprintService and the HTTP/JSON API, docs/server.md) until Ctrl-C or SIGTERM.
/// </summary>
internal static class ServeCommand
{
    /// <summary>How long requests in flight may take to finish once the server is told to stop.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(1.2);

    public static Command Create(CliContext context)
    {
        var db = CommonOptions.Database();
        var urls = new Option<string>("--urls")
        {
            Description = $"Where to listen, ';'-separated (default {ServerSettings.DefaultUrl}: this machine only); each address serves the page, the API and gRPC. Port 0 picks a free port.",
            DefaultValueFactory = _ => ServerSettings.DefaultUrl,
        };
        var roots = new Option<string[]>("--root")
        {
            Description = "A library folder whose files clients may have fingerprinted (repeatable). Paths outside every root are refused, symlinks resolved.",
            AllowMultipleArgumentsPerToken = false,
        };
        var token = new Option<string?>("--token")
        {
            Description = "Bearer token clients must send on every request but the web page's own files (default: $AURALIS_TOKEN). Required when listening beyond loopback.",
        };
        var allowedHosts = new Option<string[]>("--allowed-host")
        {
            HelpName = "NAME",
            Description = "Another name clients may address the server by (repeatable): NAME (any port) or NAME:PORT, e.g. music.local. " +
                "Always accepted: localhost, 127.0.0.1, [::1] and the address a client connected to, with the server's port. " +
                "Requests for any other Host are refused (403), which stops DNS-rebinding attacks from web pages.",
            AllowMultipleArgumentsPerToken = false,
        };
        var allowedOrigins = new Option<string[]>("--allowed-origin")
        {
            HelpName = "URL",
            Description = "Another web origin whose pages may call the API and open /ws (repeatable), e.g. https://music.example or http://192.168.1.20:3000. " +
                "Always accepted: the server's own origins (http(s)://one-of-its-names). A request from any other page (Origin header) is refused (403).",
            AllowMultipleArgumentsPerToken = false,
        };
        var engine = CommonOptions.Engine();
        var noSidecars = new Option<bool>("--no-sidecars") { Description = "Neither read nor write .25d sidecar files." };
        var watch = new Option<bool>("--watch")
        {
            Description = "Keep the library current: scan the --root folders at start, then pick up new, changed, moved and removed files within seconds (and rescan every 10 minutes as a safety net).",
        };
        var command = new Command("serve", "Run the fingerprint server: gRPC (auralis.v1.FingerprintService) and the HTTP/JSON API on one address.")
        {
            db, urls, roots, token, allowedHosts, allowedOrigins, engine, noSidecars, watch,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            context,
            parse.GetValue(db),
            parse.GetValue(urls)!,
            parse.GetValue(roots) ?? [],
            parse.GetValue(token) ?? Environment.GetEnvironmentVariable("AURALIS_TOKEN"),
            new Access(parse.GetValue(allowedHosts) ?? [], parse.GetValue(allowedOrigins) ?? []),
            parse.GetValue(engine)!,
            !parse.GetValue(noSidecars),
            parse.GetValue(watch),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string? dbPath, string urls, string[] roots, string? token, Access access, string engineChoice, bool sidecars, bool watch, CancellationToken cancellationToken)
    {
        var engine = CommonOptions.SelectEngine(context, engineChoice);
        if (engine is null)
        {
            return ExitCodes.Fatal;
        }

        var settings = new ServerSettings
        {
            DatabasePath = dbPath ?? LibraryDatabase.DefaultPath,
            Engine = engine,
            Urls = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Roots = roots,
            Token = string.IsNullOrEmpty(token) ? null : token,
            AllowedHosts = access.Hosts,
            AllowedOrigins = access.Origins,
            Sidecars = sidecars ? new Auralis.Library.Sidecars.SidecarStore() : null,
            Watch = watch,
        };

        AuralisServer server;
        try
        {
            server = AuralisServer.Create(settings);
        }
        catch (ServerConfigurationException e)
        {
            context.Error.WriteLine($"auralis: error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (LibraryDatabaseException e)
        {
            return context.Fail(e.Message);
        }

        await using (server.ConfigureAwait(false))
        {
            try
            {
                await server.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                return context.Fail($"cannot listen on {urls}: {e.Message}");
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

            // Said by the signal handler itself, at once: on a loaded machine the code awaiting
            // the stop below may not run before System.CommandLine's 2 s termination timeout
            // ends the process, and the user would not learn that the signal was taken.
            var stoppingSaid = 0;
            void SayStopping()
            {
                if (Interlocked.Exchange(ref stoppingSaid, 1) == 0)
                {
                    context.Out.WriteLine("auralis: stopping");
                    context.Out.Flush();
                }
            }

            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
            {
                signal.Cancel = true;
                SayStopping();
                stop.Cancel();
            });

            // Ctrl-C stops as cleanly as SIGTERM but exits 130, as an interrupted command does;
            // SIGTERM (a service manager's stop) is the normal end and exits 0.
            var interrupted = false;
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, signal =>
            {
                signal.Cancel = true;
                interrupted = true;
                SayStopping();
                stop.Cancel();
            });
            foreach (var address in server.Addresses)
            {
                context.Out.WriteLine($"auralis: listening on {address} (web page /, HTTP/JSON API /api, gRPC auralis.v1.FingerprintService)");
            }

            context.Out.WriteLine(server.Roots.Count == 0
                ? "auralis: no --root given: requests to read files will be refused"
                : $"auralis: library roots: {string.Join(", ", server.Roots)}{(watch ? " (watched: changes are scanned as they happen)" : "")}");
            if (watch && server.Roots.Count == 0)
            {
                context.Error.WriteLine("auralis: warning: --watch without --root watches nothing");
            }

            foreach (var problem in server.WatchProblems)
            {
                context.Error.WriteLine($"auralis: warning: cannot watch {problem}; it is rescanned every {settings.WatchSafetyInterval.TotalMinutes:0} minutes instead");
            }
            if (access.Hosts.Length > 0 || access.Origins.Length > 0)
            {
                context.Out.WriteLine($"auralis: also answering to host names: {(access.Hosts.Length == 0 ? "-" : string.Join(", ", access.Hosts))}; pages of: {(access.Origins.Length == 0 ? "-" : string.Join(", ", access.Origins))}");
            }

            context.Out.WriteLine($"auralis: database {settings.DatabasePath}; engine {engine.Name}; {(settings.Token is null ? "no token (loopback only)" : "bearer token required")}; Ctrl-C to stop");
            context.Out.Flush();

            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C or SIGTERM: stop cleanly.
            }

            SayStopping();

            // Player sockets are closed with 1001 Going Away at once; requests in flight get a
            // moment to finish, then are cut off. All within the 2 s System.CommandLine allows a
            // command after SIGTERM or Ctrl-C before it exits 143 or 130 on its own.
            using var grace = new CancellationTokenSource(StopGrace);
            await server.StopAsync(grace.Token).ConfigureAwait(false);
            return interrupted ? ExitCodes.Interrupted : ExitCodes.Success;
        }
    }

    /// <summary>The --allowed-host and --allowed-origin values.</summary>
    private sealed record Access(string[] Hosts, string[] Origins);
}
