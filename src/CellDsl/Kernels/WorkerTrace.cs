using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;

namespace CellDsl.Kernels
{
    /// <summary>What a traced call was.</summary>
    internal enum TraceKind : byte
    {
        Gemm,
        Loop,
        Pack,
        Rows,
    }

    /// <summary>
    /// A timeline of the products, fused loops and packs of a pass and of every hand-off to the <see cref="Worker"/>:
    /// when the job was posted, when the worker started and finished its half, when the caller finished its own, and
    /// whether the caller took the worker's half back. Only a build with CELLDSL_TRACE defined records anything
    /// (<c>dotnet build -c Trace</c>); everywhere else the calls are compiled away, so tracing costs nothing when off.
    /// One calling thread at a time: the benchmark's <c>trace</c> mode runs one cell.
    /// </summary>
    internal static unsafe class WorkerTrace
    {
        internal struct Event
        {
            public TraceKind Kind;
            public bool ByRows, TakenBack;
            public int Depth, M, N, K, Split, End;
            // Stopwatch timestamps; WorkerStart/WorkerDone stay 0 when the job ran on one thread.
            public long Start, WorkerStart, CallerDone, WorkerDone, Finish;
        }

        private const int Capacity = 1 << 18;
        private static Event[]? _events;
        private static int _count, _depth, _current = -1;
        private static bool _on;

        /// <summary>Clears the timeline and starts recording.</summary>
        public static void Start()
        {
            _events ??= new Event[Capacity];
            _count = 0;
            _depth = 0;
            _on = true;
        }

        /// <summary>Stops recording and returns the events since <see cref="Start"/>.</summary>
        public static Event[] Stop()
        {
            _on = false;
            return _events is null ? Array.Empty<Event>() : _events.AsSpan(0, _count).ToArray();
        }

        /// <summary>Opens a call that may hand half of itself to the worker; close it with <see cref="EndCall"/>.</summary>
        [Conditional("CELLDSL_TRACE")]
        public static void BeginCall(TraceKind kind, int m, int n, int k)
        {
            if (!_on || _count >= Capacity) { _depth++; return; }
            _events![_count] = new Event { Kind = kind, Depth = _depth, M = m, N = n, K = k, Start = Stopwatch.GetTimestamp() };
            _count++;
            _depth++;
        }

        [Conditional("CELLDSL_TRACE")]
        public static void EndCall()
        {
            _depth--;
            if (!_on) return;
            // The innermost open call at this depth.
            for (int i = _count - 1; i >= 0; i--)
                if (_events![i].Depth == _depth && _events[i].Finish == 0) { _events[i].Finish = Stopwatch.GetTimestamp(); return; }
        }

        /// <summary>The caller posts a split job (its split and end); the worker's timestamps go to this event.</summary>
        [Conditional("CELLDSL_TRACE")]
        public static void Posted(in Worker.Job job)
        {
            if (!_on || _count >= Capacity) { _current = -1; return; }
            TraceKind kind = job.Range == null ? TraceKind.Gemm : job.Kind == TraceKind.Gemm ? TraceKind.Pack : job.Kind;
            _events![_count] = new Event
            {
                Kind = kind, ByRows = job.ByRows, Depth = _depth, M = job.M, N = job.N, K = job.K, Split = job.Split, End = job.End,
                Start = Stopwatch.GetTimestamp(),
            };
            Volatile.Write(ref _current, _count);
            _count++;
        }

        [Conditional("CELLDSL_TRACE")]
        public static void WorkerStarted() { if (Volatile.Read(ref _current) is >= 0 and var i) _events![i].WorkerStart = Stopwatch.GetTimestamp(); }

        [Conditional("CELLDSL_TRACE")]
        public static void WorkerFinished() { if (Volatile.Read(ref _current) is >= 0 and var i) _events![i].WorkerDone = Stopwatch.GetTimestamp(); }

        [Conditional("CELLDSL_TRACE")]
        public static void CallerFinished(bool takenBack)
        {
            if (_current < 0) return;
            _events![_current].CallerDone = Stopwatch.GetTimestamp();
            _events[_current].TakenBack = takenBack;
        }

        [Conditional("CELLDSL_TRACE")]
        public static void Finished()
        {
            if (_current < 0) return;
            _events![_current].Finish = Stopwatch.GetTimestamp();
            _current = -1;
        }

        /// <summary>
        /// One row per call site (kind and shape) in order of first appearance: how often it ran per pass (of
        /// <paramref name="passes"/> recorded back to back), its time, how it split, and for split jobs the
        /// post → worker start, the caller's wait for the worker after its own half (negative: the worker finished
        /// first and idled), times as median and tenth percentile, and how often the caller took the half back.
        /// "before" is the median time on the caller alone between the previous call's end and this one's start
        /// (argument setup, anything not traced).
        /// </summary>
        public static string Summarize(Event[] events, int passes)
        {
            double us = 1e6 / Stopwatch.Frequency;
            // A pack's split job is recorded inside the pack's call: report it as the pack's.
            var top = new System.Collections.Generic.List<Event>();
            foreach (var e in events)
            {
                if (e.Depth == 0) { top.Add(e); continue; }
                if (top.Count == 0 || e.Split == 0) continue;
                var parent = top[^1];
                (parent.Split, parent.End, parent.ByRows, parent.TakenBack) = (e.Split, e.End, e.ByRows, e.TakenBack);
                (parent.WorkerStart, parent.CallerDone, parent.WorkerDone) = (e.WorkerStart, e.CallerDone, e.WorkerDone);
                top[^1] = parent;
            }
            var sb = new StringBuilder();
            sb.AppendLine("| call | shape | per pass | µs each (median; tenth) | split | post → worker start µs (median; tenth) "
                + "| caller waits µs (median; tenth) | taken back | caller alone before µs |");
            sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
            var sites = top.Select((e, i) => (e, i)).GroupBy(p => (p.e.Kind, p.e.M, p.e.N, p.e.K, p.e.ByRows, p.e.Split)).OrderBy(g => g.First().i);
            foreach (var g in sites)
            {
                var list = g.ToList();
                var e0 = list[0].e;
                bool split = e0.Split > 0;
                string each = Quantiles(list.Select(p => (p.e.Finish - p.e.Start) * us));
                double before = Median(list.Where(p => p.i > 0).Select(p => (p.e.Start - top[p.i - 1].Finish) * us));
                string shape = e0.Kind switch
                {
                    TraceKind.Gemm => $"{e0.M}×{e0.N}×{e0.K}",
                    TraceKind.Loop or TraceKind.Rows => $"{e0.M}×{e0.N}",
                    _ => $"{e0.K}×{e0.N}",
                };
                string how = !split ? "one thread" : $"{(e0.ByRows || e0.Kind == TraceKind.Rows ? "rows" : "columns")} {e0.Split} \\| {e0.End - e0.Split}";
                string post = "", wait = "", back = "";
                if (split)
                {
                    var started = list.Where(p => p.e.WorkerStart != 0).ToList();
                    post = started.Count == 0 ? "–" : Quantiles(started.Select(p => (p.e.WorkerStart - p.e.Start) * us));
                    wait = started.Count == 0 ? "–" : Quantiles(started.Select(p => (p.e.WorkerDone - p.e.CallerDone) * us));
                    back = $"{list.Count(p => p.e.TakenBack)}/{list.Count}";
                }
                string kind = e0.Kind.ToString().ToLowerInvariant();
                sb.AppendLine($"| {kind} | {shape} | {list.Count / (double)passes:0.#} | {each} | {how} | {post} | {wait} | {back} | {F(before)} |");
            }
            double total = top.Count == 0 ? 0 : (top[^1].Finish - top[0].Start) * us / passes;
            double inCalls = top.Sum(e => (e.Finish - e.Start) * us) / passes;
            double workerBusy = top.Where(e => e.WorkerStart != 0).Sum(e => (e.WorkerDone - e.WorkerStart) * us) / passes;
            sb.AppendLine();
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"pass {total:0} µs: {inCalls / Math.Max(total, 1e-9):P0} in the calls above, the worker busy {workerBusy / Math.Max(total, 1e-9):P0} of it"));
            return sb.ToString();
        }

        /// <summary>The median and the tenth percentile: under load the median is the scheduler's, the tenth what a
        /// hand-off costs when the worker is on its core.</summary>
        private static string Quantiles(System.Collections.Generic.IEnumerable<double> values)
        {
            var v = values.OrderBy(x => x).ToArray();
            return $"{F(v[v.Length / 2])}; {F(v[v.Length / 10])}";
        }

        private static double Median(System.Collections.Generic.IEnumerable<double> values)
        {
            var v = values.OrderBy(x => x).ToArray();
            return v.Length == 0 ? 0 : v[v.Length / 2];
        }

        private static string F(double v) => v.ToString(Math.Abs(v) >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture);
    }
}
