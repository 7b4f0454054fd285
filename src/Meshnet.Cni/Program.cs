using Meshnet.Cni.Commands;
using Meshnet.Cni.Spec;

namespace Meshnet.Cni;

/// <summary>The `meshnet` CNI plugin: reads the CNI environment and stdin, dispatches on CNI_COMMAND.</summary>
internal static class Program
{
    private static async Task<int> Main()
    {
        using var stdout = Console.OpenStandardOutput();
        string? cniVersion = null;
        try
        {
            var environment = CniEnvironment.Read(Environment.GetEnvironmentVariable);
            if (environment.Command == CniEnvironment.Version)
            {
                CniOutput.WriteVersionInfo(stdout);
                return 0;
            }
            var invocation = CniInvocation.Create(environment, ReadStdin());
            cniVersion = invocation.CniVersion;
            switch (environment.Command)
            {
                case CniEnvironment.Add: await AddCommand.RunAsync(invocation, stdout); break;
                case CniEnvironment.Del: await DelCommand.RunAsync(invocation); break;
                case CniEnvironment.Check: await CheckCommand.RunAsync(invocation); break;
                case CniEnvironment.Status: await StatusCommand.RunAsync(invocation); break;
                case CniEnvironment.Gc: await GcCommand.RunAsync(invocation); break;
            }
            return 0;
        }
        catch (CniException e)
        {
            if (Environment.GetEnvironmentVariable("CNI_COMMAND") is null or "")
            {
                // What skel prints for a human who ran the binary by hand.
                Console.Error.WriteLine($"meshnet CNI plugin; CNI protocol versions supported: {string.Join(", ", SpecVersion.Supported)}");
            }
            CniOutput.WriteError(stdout, cniVersion, e);
            return 1;
        }
#pragma warning disable CA1031 // The runtime must get the spec's error JSON, whatever went wrong.
        catch (Exception e)
#pragma warning restore CA1031
        {
            CniOutput.WriteError(stdout, cniVersion, new CniException(CniErrorCode.Internal, e.Message, e.GetType().FullName ?? string.Empty));
            return 1;
        }
    }

    private static byte[] ReadStdin()
    {
        try
        {
            using var stdin = Console.OpenStandardInput();
            using var buffer = new MemoryStream();
            stdin.CopyTo(buffer);
            return buffer.ToArray();
        }
        catch (IOException e)
        {
            throw new CniException(CniErrorCode.IoFailure, "error reading from stdin", e.Message);
        }
    }
}
