using System.Diagnostics;

namespace Meshnet.Testing;

/// <summary>Runs a program to observe the system (e.g. <c>ip</c>, <c>ping</c>) and captures what it printed.</summary>
public static class Cmd
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public Result EnsureSuccess()
        {
            if (ExitCode != 0)
            {
                throw new InvalidOperationException($"exit {ExitCode}: {Stderr}{Stdout}");
            }

            return this;
        }
    }

    public static Result Run(string file, params string[] args) => Run(file, args, stdin: null, env: null);

    public static Result Run(string file, IEnumerable<string> args, string? stdin, IReadOnlyDictionary<string, string>? env, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                psi.Environment[k] = v;
            }
        }

        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }

        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }

        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary><c>ip netns exec NS ping -c1 -W2 ADDRESS</c> succeeded.</summary>
    public static bool Ping(string netns, string address) =>
        Run("ip", "netns", "exec", netns, "ping", "-c1", "-W2", address).ExitCode == 0;

    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>The program is on PATH.</summary>
    public static bool Exists(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));

    public const string NotRoot = "needs root: creates network namespaces";
}
