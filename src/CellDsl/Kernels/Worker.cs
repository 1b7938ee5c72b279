using System;
using System.Diagnostics;
using System.Threading;

namespace CellDsl.Kernels
{
    /// <summary>
    /// The second core: one persistent background thread that takes the second half of a product (<see cref="Sgemm"/>:
    /// its lower rows or right-hand columns), of a matrix being packed, of a fused elementwise loop
    /// (<see cref="Columns"/>) or of a row sum or copy (<see cref="RowOps"/>) while the calling thread does the first
    /// half. Each output element is computed by the same operations in the same order on either thread, so results do
    /// not depend on the split. Handing over allocates nothing. Set CELLDSL_THREADS=1 to keep everything on the calling
    /// thread.
    /// </summary>
    /// <remarks>
    /// The per-step products of a recurrent pass are small (a few to a few hundred microseconds) and come one after
    /// another with a little elementwise work between them. So after each product the worker spins for a while
    /// (<see cref="SpinMicroseconds"/>) before it sleeps, which makes a hand-off cost about a cache-line transfer;
    /// and a half the worker has not picked up by the time the caller finishes its own half is taken back by the
    /// caller, so a sleeping worker (whose wake-up costs up to hundreds of microseconds on a virtual machine) never
    /// makes a product wait.
    /// </remarks>
    internal static unsafe class Worker
    {
        /// <summary>A product's, a pack's or a column loop's description. The caller computes [0, Split) and the worker
        /// [Split, End): columns, or rows of a product when <see cref="ByRows"/>.</summary>
        internal struct Job
        {
            public bool TransA, TransB, Accumulate, ByRows;
            public int Split, End, M, N, K, Lda, Ldb, Ldc;
            public float* A, B, C;
            public PackedMatrix? Packed;
            /// <summary>For a column loop: the kernel (a struct on the caller's stack, which waits for the worker)
            /// and the function that runs it over a column range.</summary>
            public void* Kernel;
            public delegate*<void*, int, int, void> Range;
            /// <summary>What a range job is, for <see cref="WorkerTrace"/> (a pack leaves it at Gemm).</summary>
            public TraceKind Kind;
        }

        // Below this many multiply-adds per half (a few microseconds) the hand-off is not worth it.
        private const long MinimumWork = 500_000;
        // Likewise for the cells' fused loops, in elements (rows × columns) per half: from B = 64, H = 200 (12800).
        private const int MinimumElements = 4096;
        // For sums and copies of rows, in elements per half: from B = 64, H = 650 (41600), B = 20 at H = 1500.
        private const int MinimumCopied = 16384;
        // And for loops over independent rows (softmax and cross-entropy), in elements per half.
        private const int MinimumRowElements = 8192;
        // And for packing a matrix, in elements per half (a copy of 256 KiB, tens of microseconds).
        private const int MinimumPacked = 65536;
        // Products with at least this many rows are split by rows (16 panels of 12 rows each side).
        private const int MinimumSplitRows = 2 * 16 * Sgemm.MR;
        private const int SpinMicroseconds = 100;

        private static readonly bool Enabled = Environment.ProcessorCount >= 2 && Environment.GetEnvironmentVariable("CELLDSL_THREADS") != "1";
        private static readonly long SpinTicks = SpinMicroseconds * Stopwatch.Frequency / 1_000_000;
        private static readonly object Gate = new();
        private static Thread? _thread;
        private static readonly SemaphoreSlim Wake = new(0);
        private static Job _job;
        // _posted: the last job's sequence number; _claimed: the last sequence number someone took the right-hand
        // half of (the worker, or the caller taking it back); _done: the last one the worker finished.
        private static int _posted, _claimed, _done, _sleeping;
        private static Exception? _failure;

        /// <summary>How many threads a large product runs on: 2, or 1 with CELLDSL_THREADS=1 or a single core.</summary>
        public static int Threads => Enabled ? 2 : 1;

        /// <summary>Where to split an m×n×k product between the two threads, or 0 to stay on one thread: a row (a multiple
        /// of 12) when <paramref name="byRows"/>, else a column (a multiple of 32).</summary>
        /// <remarks>Each thread packs the op(A) rows and op(B) columns its share needs. Split by columns, both threads
        /// pack all of op(A); by rows, both pack all of op(B) (nothing, when B is prepacked). So tall products (the
        /// input projection and dX over all T·B rows, the weight gradients over 4H rows) split by rows; the per-step
        /// products, with only B rows, by columns.</remarks>
        public static int SplitPoint(int m, int n, int k, bool prepacked, out bool byRows)
        {
            byRows = false;
            if (!Enabled || (long)m * n * k < 2 * MinimumWork) return 0;
            if (Thread.CurrentThread == _thread) return 0;
            if (m >= MinimumSplitRows && (prepacked || m >= n))
            {
                byRows = true;
                return (m + Sgemm.MR - 1) / Sgemm.MR / 2 * Sgemm.MR;
            }
            return ColumnHalf(n);
        }

        /// <summary>Where to split the packing of a [k×n] matrix (a multiple of 32 columns), or 0.</summary>
        public static int SplitPack(int k, int n)
        {
            if (!Enabled || (long)k * n < 2 * MinimumPacked) return 0;
            if (Thread.CurrentThread == _thread) return 0;
            return ColumnHalf(n);
        }

        /// <summary>Where to split n columns into two runs of whole 32-column panels that cost the same, or 0 if the
        /// worker would get none. A full panel costs two, the last one, when 16 columns or fewer, one (a one-vector
        /// tile); ties give the caller the larger half, as it starts first. N = 200 splits 96 | 104 (3 | 3½ panels),
        /// not 128 | 72 (4 | 2½), which left the worker idle for a third of each backward step's product.</summary>
        internal static int ColumnHalf(int n)
        {
            if (n < 2 * Sgemm.NR) return 0;
            int best = 0, bestCost = int.MaxValue;
            for (int s = Sgemm.NR; s < n; s += Sgemm.NR)
            {
                int cost = Math.Max(PanelCost(s), PanelCost(n - s));
                if (cost <= bestCost) (best, bestCost) = (s, cost);
            }
            return best;
        }

        /// <summary>The tile cost of a run of n columns starting at a panel boundary, in half panels.</summary>
        private static int PanelCost(int n)
        {
            int edge = n % Sgemm.NR;
            return 2 * (n / Sgemm.NR) + (edge == 0 ? 0 : edge <= Sgemm.NR / 2 ? 1 : 2);
        }

        /// <summary>Where to split a column loop of <paramref name="width"/> columns (a multiple of 16), or 0.</summary>
        public static int SplitColumns(int rows, int width)
        {
            if (!Enabled || (long)rows * width < 2 * MinimumElements || width < 32) return 0;
            if (Thread.CurrentThread == _thread) return 0;
            return (width / 2 + 15) / 16 * 16;
        }

        /// <summary>Where to split a sum or copy of <paramref name="rows"/> rows of <paramref name="width"/> elements
        /// (<see cref="RowOps"/>), or 0. A copy of B = 64, H = 200 (12800 elements) takes about 1.5 µs on one thread,
        /// no more than the hand-off and the wait for the worker's half; one of B = 64, H = 650 several.</summary>
        public static int SplitElementRows(int rows, int width)
        {
            if (!Enabled || rows < 2 || (long)rows * width < 2 * MinimumCopied) return 0;
            if (Thread.CurrentThread == _thread) return 0;
            return rows / 2;
        }

        /// <summary>Where to split a loop over <paramref name="rows"/> independent rows of <paramref name="width"/> elements, or 0.</summary>
        public static int SplitRows(int rows, int width)
        {
            if (!Enabled || rows < 2 || (long)rows * width < 2 * MinimumRowElements) return 0;
            if (Thread.CurrentThread == _thread) return 0;
            return rows / 2;
        }

        /// <summary>Runs <paramref name="range"/> over <paramref name="rows"/> independent rows of <paramref name="width"/>
        /// elements, split with the worker when <see cref="SplitRows"/> says so: the row kernels' one entry point.</summary>
        public static void RunRows(void* kernel, delegate*<void*, int, int, void> range, int rows, int width)
        {
            int split = SplitRows(rows, width);
            if (split > 0) Run(new Job { Kernel = kernel, Range = range, Split = split, End = rows });
            else range(kernel, 0, rows);
        }

        /// <summary>Runs [job.Split, job.End) on the worker and [0, job.Split) here; returns when both are done.</summary>
        public static void Run(Job job)
        {
            // One caller at a time uses the worker; a concurrent caller computes everything itself.
            if (!Monitor.TryEnter(Gate))
            {
                Execute(job, 0, job.End);
                return;
            }
            try
            {
                EnsureStarted();
                _job = job;
                WorkerTrace.Posted(job);
                int seq = _posted + 1;
                Volatile.Write(ref _posted, seq);
                Interlocked.MemoryBarrier();
                if (Volatile.Read(ref _sleeping) == 1) Wake.Release();
                Exception? mine = null;
                try { Execute(job, 0, job.Split); }
                catch (Exception e) { mine = e; }
                if (Interlocked.CompareExchange(ref _claimed, seq, seq - 1) == seq - 1)
                {
                    // The worker has not started: do its half here rather than wait for it to wake.
                    WorkerTrace.CallerFinished(takenBack: true);
                    if (mine is null) Execute(job, job.Split, job.End);
                }
                else
                {
                    WorkerTrace.CallerFinished(takenBack: false);
                    // The worker is on the other core with a half as long as this one: spin, never yield. Wait even
                    // when this half failed, so the next product cannot overwrite a job the worker is still reading.
                    while (Volatile.Read(ref _done) != seq) { }
                }
                WorkerTrace.Finished();
                if (mine is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(mine);
                if (_failure is { } failure) { _failure = null; throw new InvalidOperationException("The GEMM worker thread failed.", failure); }
            }
            finally
            {
                Monitor.Exit(Gate);
            }
        }

        private static void Execute(in Job j, int lo, int hi)
        {
            if (lo >= hi) return;
            if (j.Range != null)
            {
                j.Range(j.Kernel, lo, hi);
                return;
            }
            // Rows [lo, hi) of C need rows [lo, hi) of op(A): columns of A when it is transposed.
            int m = j.M, n0 = lo, n1 = hi;
            float* a = j.A, c = j.C;
            if (j.ByRows)
            {
                m = hi - lo;
                n0 = 0;
                n1 = j.N;
                a += j.TransA ? lo : (long)lo * j.Lda;
                c += (long)lo * j.Ldc;
            }
            if (j.Packed is { } p) Sgemm.Columns(j.TransA, m, n0, n1, a, j.Lda, p, c, j.Ldc, j.Accumulate);
            else Sgemm.Columns(j.TransA, j.TransB, m, n0, n1, j.K, a, j.Lda, j.B, j.Ldb, c, j.Ldc, j.Accumulate);
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
                int seq = Volatile.Read(ref _posted);
                if (seq != handled)
                {
                    handled = seq;
                    // Claim it; if the caller already took this half back, there is nothing to do.
                    if (Interlocked.CompareExchange(ref _claimed, seq, seq - 1) != seq - 1) continue;
                    var job = _job;
                    WorkerTrace.WorkerStarted();
                    try { Execute(job, job.Split, job.End); }
                    catch (Exception e) { _failure = e; }
                    WorkerTrace.WorkerFinished();
                    Volatile.Write(ref _done, seq);
                    continue;
                }
                if (SpinUntilPosted(handled)) continue;
                Volatile.Write(ref _sleeping, 1);
                Interlocked.MemoryBarrier();
                if (Volatile.Read(ref _posted) == handled) Wake.Wait();
                Volatile.Write(ref _sleeping, 0);
            }
        }

        /// <summary>Watches for a new job for up to <see cref="SpinMicroseconds"/>; true if one came.</summary>
        private static bool SpinUntilPosted(int handled)
        {
            long until = Stopwatch.GetTimestamp() + SpinTicks;
            do
            {
                for (int i = 0; i < 64; i++)
                    if (Volatile.Read(ref _posted) != handled) return true;
            }
            while (Stopwatch.GetTimestamp() < until);
            return false;
        }
    }
}
