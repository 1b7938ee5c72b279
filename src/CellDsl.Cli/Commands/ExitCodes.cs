namespace CellDsl.Cli.Commands
{
    /// <summary>Process exit codes: 0 all good, 1 a check failed, 2 the command line was wrong.</summary>
    public static class ExitCodes
    {
        public const int Success = 0;
        public const int Failure = 1;
        public const int Usage = 2;
    }
}
