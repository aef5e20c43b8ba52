namespace Pipeline.Host.Commands;

/// <summary>Process exit codes; each failure also prints a one-line reason on stderr.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int InvalidSettings = 2;
    public const int DatabaseUnavailable = 3;
    public const int BadInput = 4;
    public const int Interrupted = 130;
}
