using System;
using System.Collections.Generic;
using System.Linq;

namespace CellDsl.Search.Evaluation
{
    /// <summary>The paper's Eq. (1): an architecture's fitness is min over tasks of (its best accuracy / the GRU's best).</summary>
    public static class Fitness
    {
        /// <summary>The best score per task among runs that produced one (failed runs have none).</summary>
        public static Dictionary<string, double> BestPerTask(IEnumerable<(string Task, double? Score)> runs)
        {
            var best = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
            foreach (var (task, score) in runs) Improve(best, task, score);
            return best;
        }

        /// <summary>Adds one run to bests per task kept as <see cref="BestPerTask"/> keeps them (for sums built a result at a time).</summary>
        public static void Improve(Dictionary<string, double> best, string task, double? score)
        {
            if (score is double s && !double.IsNaN(s) && (!best.TryGetValue(task, out double b) || s > b)) best[task] = s;
        }

        /// <summary>min over <paramref name="tasks"/> of candidate / GRU; 0 for a task the candidate has no score on
        /// (every run failed); null when the GRU has no positive score on one (nothing to compare with yet).</summary>
        public static double? Of(IReadOnlyDictionary<string, double> candidate, IReadOnlyDictionary<string, double> gru, IEnumerable<string> tasks)
        {
            double? fitness = null;
            foreach (var task in tasks)
            {
                if (!gru.TryGetValue(task, out double g) || !(g > 0)) return null;
                double ratio = candidate.TryGetValue(task, out double c) ? c / g : 0;
                fitness = fitness is double f ? Math.Min(f, ratio) : ratio;
            }
            return fitness;
        }

        /// <summary>Whether a best score is clearly worse than the GRU's (below <paramref name="fraction"/> of it).</summary>
        public static bool DropEarly(double? best, double gruBest, double fraction) => (best ?? 0) < fraction * gruBest;
    }
}
