namespace Auralis.Cli;

public static class Program
{
    public static int Main(string[] args) => AuralisCli.Run(args, Console.Out, Console.Error);
}
