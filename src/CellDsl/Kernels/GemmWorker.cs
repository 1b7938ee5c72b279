using System;
using System.Threading;

namespace CellDsl.Kernels
{
    /// <summary>
    /// The second core for <see cref="Sgemm"/>: one persistent background thread that takes the right-hand columns
    /// of a large enough product while the calling thread does the left-hand ones. Each element of C is still one
    /// FMA chain in the same order, so results do not depend on the split. Handing over costs no allocation: the
    /// worker sleeps on a semaphore between products. Set CELLDSL_THREADS=1 to keep
    /// everything on the calling thread.
    /// </summary>
    internal static unsafe class GemmWorker
    {
        /// <summary>One product's description; the worker computes columns [N0, N1).</summary>
        internal struct Job
        {
            public bool TransA, TransB, Accumulate;
            public int M, N0, N1, K, Lda, Ldb, Ldc;
            public float* A, B, C;
            public PackedMatrix? Packed;
        }

        // Below this many multiply-adds per half (about a millisecond), waking the worker costs more than it gains.
        private const long MinimumWork = 100_000_000;

        private static readonly bool Enabled = Environment.ProcessorCount >= 2 && Environment.GetEnvironmentVariable("CELLDSL_THREADS") != "1";
        private static readonly object Gate = new();
        private static Thread? _thread;
        private static readonly SemaphoreSlim Wake = new(0);
        private static Job _job;
        private static int _sequence, _done, _sleeping;
        private static Exception? _failure;

        /// <summary>Where to split n columns between the two threads (a multiple of 32), or 0 to stay on one thread.</summary>
        public static int SplitPoint(int m, int n, int k)
        {
            if (!Enabled || n < 2 * Sgemm.NR || (long)m * n * k < 2 * MinimumWork) return 0;
            if (Thread.CurrentThread == _thread) return 0;
            int half = (n / 2 + Sgemm.NR - 1) / Sgemm.NR * Sgemm.NR;
            return half < n ? half : 0;
        }

        /// <summary>Runs columns [job.N0, job.N1) on the worker and [0, job.N0) here; returns when both are done.</summary>
        public static void Run(Job job)
        {
            // One caller at a time uses the worker; a concurrent caller computes everything itself.
            if (!Monitor.TryEnter(Gate))
            {
                Execute(job, 0, job.N1);
                return;
            }
            try
            {
                EnsureStarted();
                _job = job;
                int seq = _sequence + 1;
                Volatile.Write(ref _sequence, seq);
                Interlocked.MemoryBarrier();
                if (Volatile.Read(ref _sleeping) == 1) Wake.Release();
                Execute(job, 0, job.N0);
                // The worker is on the other core and its half takes about as long as this one: spin, never yield.
                while (Volatile.Read(ref _done) != seq) { }
                if (_failure is { } e) { _failure = null; throw new InvalidOperationException("The GEMM worker thread failed.", e); }
            }
            finally
            {
                Monitor.Exit(Gate);
            }
        }

        private static void Execute(in Job j, int n0, int n1)
        {
            if (n0 >= n1) return;
            if (j.Packed is { } p) Sgemm.Columns(j.TransA, j.M, n0, n1, j.A, j.Lda, p, j.C, j.Ldc, j.Accumulate);
            else Sgemm.Columns(j.TransA, j.TransB, j.M, n0, n1, j.K, j.A, j.Lda, j.B, j.Ldb, j.C, j.Ldc, j.Accumulate);
        }

        private static void EnsureStarted()
        {
            if (_thread is not null) return;
            _thread = new Thread(Loop) { IsBackground = true, Name = "CellDsl GEMM worker" };
            _thread.Start();
        }

        private static void Loop()
        {
            int handled = 0;
            while (true)
            {
                int seq = Volatile.Read(ref _sequence);
                if (seq != handled)
                {
                    try { Execute(_job, _job.N0, _job.N1); }
                    catch (Exception e) { _failure = e; }
                    handled = seq;
                    Volatile.Write(ref _done, seq);
                    continue;
                }
                // No spinning between jobs: on this project's virtual machines an idle spin (with or without PAUSE)
                // slowed the other core's single-threaded work by 1.5-4x. Only products big enough to hide a
                // semaphore wake-up (see MinimumWork) come here.
                Volatile.Write(ref _sleeping, 1);
                Interlocked.MemoryBarrier();
                if (Volatile.Read(ref _sequence) == handled) Wake.Wait();
                Volatile.Write(ref _sleeping, 0);
            }
        }
    }
}
