using System;
using System.Runtime.InteropServices;
using System.Linq;
using System.Threading;

namespace CellDsl.Search.Workers
{
    /// <summary>Turns Ctrl-C (SIGINT) and SIGTERM into a cancellation, so a worker process finishes or releases its
    /// job and exits instead of dying with it held.</summary>
    public sealed class StopSignals : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly PosixSignalRegistration[] _registrations;

        public StopSignals()
        {
            _registrations = new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM }
                .Select(signal => PosixSignalRegistration.Create(signal, context =>
                {
                    context.Cancel = true;   // do not terminate: the worker loop exits on its own
                    _stop.Cancel();
                }))
                .ToArray();
        }

        public CancellationToken Token => _stop.Token;

        public void Dispose()
        {
            foreach (var r in _registrations)
                r.Dispose();
            _stop.Dispose();
        }
    }
}
