using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;

namespace CellDsl.Search.Workers
{
    /// <summary>
    /// <c>--workers N</c>: starts N worker processes on one machine, each pinned to one core, and waits for them. The
    /// workers share the work only through the store, so one that dies costs its current job's lease and nothing more.
    /// </summary>
    public static class WorkerLauncher
    {
        /// <summary>The default worker count: one per core this process may run on.</summary>
        public static int DefaultCount => Environment.ProcessorCount;

        /// <summary>Starts <paramref name="count"/> processes, the i-th from <paramref name="worker"/>(i), and returns
        /// their exit codes once all have exited. When <paramref name="stop"/> fires, each gets SIGINT (Ctrl-C), so it
        /// gives back its job and exits.</summary>
        public static IReadOnlyList<int> Run(int count, Func<int, ProcessStartInfo> worker, CancellationToken stop)
        {
            var processes = Start(count, worker);
            try
            {
                using (stop.Register(() => { foreach (var p in processes) Interrupt(p); }))
                    foreach (var p in processes)
                        p.WaitForExit();
                return processes.Select(p => p.ExitCode).ToList();
            }
            finally
            {
                foreach (var p in processes)
                    p.Dispose();
            }
        }

        /// <summary>Starts the processes and pins the i-th to the i-th core of this process's affinity (round robin).</summary>
        public static IReadOnlyList<Process> Start(int count, Func<int, ProcessStartInfo> worker)
        {
            if (count < 1)
                throw new ArgumentOutOfRangeException(nameof(count), count, "--workers must be at least 1.");
            ArgumentNullException.ThrowIfNull(worker);
            var cores = Cores();
            var started = new List<Process>(count);
            for (int i = 0; i < count; i++)
            {
                var info = worker(i);
                info.UseShellExecute = false;
                var p = Process.Start(info) ?? throw new InvalidOperationException($"Worker {i} ('{info.FileName}') did not start.");
                started.Add(p);
                if (cores.Count > 0)
                    Pin(p, cores[i % cores.Count]);
            }
            return started;
        }

        /// <summary>Asks a worker to stop as Ctrl-C would: SIGINT on Unix, where the worker releases its job; elsewhere
        /// the process is killed and its lease left to expire.</summary>
        public static void Interrupt(Process process) => Signal(process, SigInt);

        /// <summary>Asks a worker to stop with SIGTERM, which it handles as Ctrl-C (it releases its job). A program
        /// stopping its own workers sends this rather than SIGINT: a shell runs background commands with SIGINT ignored,
        /// and their children inherit that. Elsewhere than Unix the process is killed and its lease left to expire.</summary>
        public static void Terminate(Process process) => Signal(process, SigTerm);

        private static void Signal(Process process, int signal)
        {
            ArgumentNullException.ThrowIfNull(process);
            if (process.HasExited)
                return;
            if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
                _ = Kill(process.Id, signal);
            else
                process.Kill();
        }

        private const int SigInt = 2, SigTerm = 15;

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        private static extern int Kill(int pid, int signal);

        private static List<int> Cores()
        {
            if (!(OperatingSystem.IsLinux() || OperatingSystem.IsWindows()))
                return new List<int>();
            long mask = (long)Process.GetCurrentProcess().ProcessorAffinity;
            return Enumerable.Range(0, 64).Where(bit => (mask >> bit & 1) != 0).ToList();
        }

        private static void Pin(Process p, int core)
        {
            if (!(OperatingSystem.IsLinux() || OperatingSystem.IsWindows()))
                return;
            try
            {
                p.ProcessorAffinity = (IntPtr)(1L << core);
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                // Exited already, or a container that forbids it: the scheduler still spreads the workers.
            }
        }
    }
}
