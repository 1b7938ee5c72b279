// oneDNN RNN peer: times one training step of a stacked, one-direction recurrent layer
// (vanilla LSTM, peephole LSTM or linear-before-reset GRU) with oneDNN's own primitives,
// so CellDsl's generated cells can be compared with a vendor-tuned implementation.
//
//   dnnl_rnn <lstm|lstm_peephole|lbr_gru> <layers> <T> <B> <H> [budget_seconds]
//
// input size = hidden size = H, f32, zero initial state, loss = sum of
// the last layer's outputs (diff_dst = 1). Threads come from OMP_NUM_THREADS.
// Prints one JSON line on stdout.

#include <omp.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;
using args_t = std::unordered_map<int, memory>;

namespace {

enum class Cell { lstm, lstm_peephole, lbr_gru };

struct Options {
    Cell cell = Cell::lstm;
    std::string cell_name;
    int layers = 1, T = 35, B = 20, H = 200;
    double budget = 0.5;
};

[[noreturn]] void usage(const char *msg) {
    std::fprintf(stderr,
                 "dnnl_rnn: %s\nusage: dnnl_rnn <lstm|lstm_peephole|lbr_gru> <layers> <T> <B> <H> "
                 "[budget_seconds]\n",
                 msg);
    std::exit(2);
}

int positive_int(const char *s, const char *what) {
    char *end = nullptr;
    long v = std::strtol(s, &end, 10);
    if (*end != '\0' || v <= 0 || v > 1000000)
        usage(what);
    return static_cast<int>(v);
}

Options parse(int argc, char **argv) {
    if (argc < 6 || argc > 7)
        usage("wrong number of arguments");
    Options o;
    o.cell_name = argv[1];
    if (o.cell_name == "lstm")
        o.cell = Cell::lstm;
    else if (o.cell_name == "lstm_peephole")
        o.cell = Cell::lstm_peephole;
    else if (o.cell_name == "lbr_gru")
        o.cell = Cell::lbr_gru;
    else
        usage("unknown cell");
    o.layers = positive_int(argv[2], "layers must be a positive integer");
    o.T = positive_int(argv[3], "T must be a positive integer");
    o.B = positive_int(argv[4], "B must be a positive integer");
    o.H = positive_int(argv[5], "H must be a positive integer");
    if (argc == 7) {
        char *end = nullptr;
        o.budget = std::strtod(argv[6], &end);
        if (*end != '\0' || !(o.budget > 0))
            usage("budget must be a positive number of seconds");
    }
    return o;
}

// Only called on plain (user-layout) memory, whose bytes are the logical tensor.
void fill_uniform(const memory &m, std::mt19937 &rng, float bound) {
    std::uniform_real_distribution<float> d(-bound, bound);
    float *p = static_cast<float *>(m.get_data_handle());
    size_t n = m.get_desc().get_size() / sizeof(float);
    for (size_t i = 0; i < n; ++i)
        p[i] = d(rng);
}

void fill_value(const memory &m, float v) {
    float *p = static_cast<float *>(m.get_data_handle());
    std::fill(p, p + m.get_desc().get_size() / sizeof(float), v);
}

void zero(const memory &m) { std::memset(m.get_data_handle(), 0, m.get_desc().get_size()); }

struct Reorder {
    reorder prim;
    memory from, to;
};

// A user tensor in plain layout, bound to a primitive argument. If the primitive wants another
// layout (the packed weight formats), a reorder into a buffer of that layout is recorded: a
// training step has to redo it after every weight update, so it belongs to the timed step.
void bind_input(args_t &args, std::vector<Reorder> &reorders, const primitive_desc &pd, int arg,
                const memory &user, const engine &eng) {
    memory::desc want = pd.query_md(query::exec_arg_md, arg);
    if (want == user.get_desc()) {
        args[arg] = user;
        return;
    }
    memory packed(want, eng);
    reorders.push_back({reorder(user, packed), user, packed});
    args[arg] = packed;
}

memory bind_output(args_t &args, const primitive_desc &pd, int arg, const engine &eng) {
    memory m(pd.query_md(query::exec_arg_md, arg), eng);
    args[arg] = m;
    return m;
}

struct Timing {
    double median_s, best_s;
    int reps;
};

// Warm-up (at least one call, then until a fifth of the budget is spent), then repeat until the
// budget is spent and at least 3 samples exist. The median resists the shared machine's noise.
Timing measure(const std::function<void()> &step, double budget) {
    using clk = std::chrono::steady_clock;
    auto seconds_since = [](clk::time_point t0) {
        return std::chrono::duration<double>(clk::now() - t0).count();
    };
    auto w0 = clk::now();
    do
        step();
    while (seconds_since(w0) < 0.2 * budget);

    std::vector<double> samples;
    auto m0 = clk::now();
    while (samples.size() < 3 || seconds_since(m0) < budget) {
        auto t0 = clk::now();
        step();
        samples.push_back(seconds_since(t0));
    }
    std::sort(samples.begin(), samples.end());
    size_t n = samples.size();
    double med = n % 2 ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]);
    return {med, samples.front(), static_cast<int>(n)};
}

// The ISA oneDNN dispatches to is only published in its verbose banner (get_effective_cpu_isa()
// reports the allowed maximum, not what the CPU has). Run `create` with verbose on and stdout
// sent to a temporary file, and keep the banner's isa text. Skipped when the user asked for
// verbose output, which must then reach stdout untouched.
std::string with_isa_banner(const std::function<void()> &create) {
    if (std::getenv("ONEDNN_VERBOSE") || std::getenv("DNNL_VERBOSE")) {
        create();
        return "see verbose output";
    }
    std::fflush(stdout);
    FILE *tmp = std::tmpfile();
    int saved = tmp ? dup(STDOUT_FILENO) : -1;
    if (saved < 0) {
        if (tmp)
            std::fclose(tmp);
        create();
        return "unknown";
    }
    dup2(fileno(tmp), STDOUT_FILENO);
    set_verbose(1);
    try {
        create();
    } catch (...) {
        set_verbose(0);
        std::fflush(stdout);
        dup2(saved, STDOUT_FILENO);
        close(saved);
        std::fclose(tmp);
        throw;
    }
    set_verbose(0);
    std::fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);

    std::string text;
    std::rewind(tmp);
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, tmp)) > 0;)
        text.append(buf, n);
    std::fclose(tmp);
    const std::string key = "cpu,isa:";
    size_t at = text.find(key);
    if (at == std::string::npos)
        return "unknown";
    at += key.size();
    return text.substr(at, text.find('\n', at) - at);
}

std::string json_escape(const std::string &s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\')
            out += '\\';
        if (static_cast<unsigned char>(c) >= 0x20)
            out += c;
    }
    return out;
}

} // namespace

int main(int argc, char **argv) {
    const Options o = parse(argc, argv);
    const int L = o.layers, T = o.T, B = o.B, H = o.H;
    const bool peephole = o.cell == Cell::lstm_peephole;
    const bool gru = o.cell == Cell::lbr_gru;
    const int G = gru ? 3 : 4;
    // LSTM: 4 gate biases. lbr_gru: 3 gate biases plus one for the reset-gated U*h term.
    const int G_bias = 4;

    engine eng(engine::kind::cpu, 0);
    stream s(eng);

    const memory::desc none; // zero desc: argument not used (final states, d(initial state))
    // Initial states are passed explicitly as zeros. Leaving src_iter out (which oneDNN documents
    // as zero state) gave a wrong diff_weights_iter for LSTM in 2.6.3, as if h_{-1} were not zero
    // (nonzero even for T = 1); lbr_gru was right either way.
    const memory::desc state_md({L, 1, B, H}, dt::f32, tag::ldnc);
    const memory::desc seq_md({T, B, H}, dt::f32, tag::tnc);
    const memory::desc w_any({L, 1, H, G, H}, dt::f32, tag::any);
    const memory::desc w_plain({L, 1, H, G, H}, dt::f32, tag::ldigo);
    const memory::desc peep_md({L, 1, 3, H}, dt::f32, tag::ldgo);
    const memory::desc bias_md({L, 1, G_bias, H}, dt::f32, tag::ldgo);
    const auto fwd_kind = prop_kind::forward_training;
    const auto dir = rnn_direction::unidirectional_left2right;

    primitive_desc fwd_pd, bwd_pd;
    primitive fwd, bwd;
    std::string isa;
    try {
        isa = with_isa_banner([&] {
            // Backward takes the forward's tensors, then their diffs in the same order. It
            // insists on d(initial state) outputs once initial states are given.
            const auto bwd_kind = prop_kind::backward;
            if (gru) {
                lbr_gru_forward::desc fd(fwd_kind, dir, seq_md, state_md, w_any, w_any, bias_md,
                                         seq_md, none);
                lbr_gru_backward::desc bd(bwd_kind, dir, seq_md, state_md, w_any, w_any, bias_md,
                                          seq_md, none, seq_md, state_md, w_plain, w_plain, bias_md,
                                          seq_md, none);
                lbr_gru_forward::primitive_desc f(fd, eng);
                lbr_gru_backward::primitive_desc b(bd, eng, f);
                fwd_pd = f, bwd_pd = b, fwd = lbr_gru_forward(f), bwd = lbr_gru_backward(b);
            } else if (peephole) {
                lstm_forward::desc fd(fwd_kind, dir, seq_md, state_md, state_md, w_any, w_any,
                                      peep_md, bias_md, seq_md, none, none);
                lstm_backward::desc bd(bwd_kind, dir, seq_md, state_md, state_md, w_any, w_any,
                                       peep_md, bias_md, seq_md, none, none, seq_md, state_md,
                                       state_md, w_plain, w_plain, peep_md, bias_md, seq_md, none,
                                       none);
                lstm_forward::primitive_desc f(fd, eng);
                lstm_backward::primitive_desc b(bd, eng, f);
                fwd_pd = f, bwd_pd = b, fwd = lstm_forward(f), bwd = lstm_backward(b);
            } else {
                lstm_forward::desc fd(fwd_kind, dir, seq_md, state_md, state_md, w_any, w_any,
                                      bias_md, seq_md, none, none);
                lstm_backward::desc bd(bwd_kind, dir, seq_md, state_md, state_md, w_any, w_any,
                                       bias_md, seq_md, none, none, seq_md, state_md, state_md,
                                       w_plain, w_plain, bias_md, seq_md, none, none);
                lstm_forward::primitive_desc f(fd, eng);
                lstm_backward::primitive_desc b(bd, eng, f);
                fwd_pd = f, bwd_pd = b, fwd = lstm_forward(f), bwd = lstm_backward(b);
            }
        });
    } catch (const dnnl::error &e) {
        std::fprintf(stderr, "dnnl_rnn: oneDNN refused the %s configuration: %s\n",
                     o.cell_name.c_str(), e.what());
        return 1;
    }

    // User tensors, plain layouts, initialised like PyTorch does (U(-1/sqrt(H), 1/sqrt(H))).
    std::mt19937 rng(42);
    const float bound = 1.0f / std::sqrt(static_cast<float>(H));
    memory x(seq_md, eng), dy(seq_md, eng);
    memory w_layer(w_plain, eng), w_iter(w_plain, eng), bias(bias_md, eng);
    memory w_peep = peephole ? memory(peep_md, eng) : memory();
    memory h0(state_md, eng), c0(state_md, eng);
    zero(h0);
    zero(c0);
    fill_uniform(x, rng, 1.0f);
    fill_uniform(w_layer, rng, bound);
    fill_uniform(w_iter, rng, bound);
    fill_uniform(bias, rng, bound);
    if (peephole)
        fill_uniform(w_peep, rng, bound);
    fill_value(dy, 1.0f);

    args_t fa, ba;
    std::vector<Reorder> fwd_reorders, bwd_reorders;
    bind_input(fa, fwd_reorders, fwd_pd, DNNL_ARG_SRC_LAYER, x, eng);
    bind_input(fa, fwd_reorders, fwd_pd, DNNL_ARG_SRC_ITER, h0, eng);
    if (!gru)
        bind_input(fa, fwd_reorders, fwd_pd, DNNL_ARG_SRC_ITER_C, c0, eng);
    bind_input(fa, fwd_reorders, fwd_pd, DNNL_ARG_WEIGHTS_LAYER, w_layer, eng);
    bind_input(fa, fwd_reorders, fwd_pd, DNNL_ARG_WEIGHTS_ITER, w_iter, eng);
    if (peephole)
        bind_input(fa, fwd_reorders, fwd_pd, DNNL_ARG_WEIGHTS_PEEPHOLE, w_peep, eng);
    bind_input(fa, fwd_reorders, fwd_pd, DNNL_ARG_BIAS, bias, eng);
    memory y = bind_output(fa, fwd_pd, DNNL_ARG_DST_LAYER, eng);
    memory ws = bind_output(fa, fwd_pd, DNNL_ARG_WORKSPACE, eng);

    // Backward reads the forward's output and workspace; its weights come in its own layout
    // (ldgoi), reordered from the same plain weights.
    bind_input(ba, bwd_reorders, bwd_pd, DNNL_ARG_SRC_LAYER, x, eng);
    bind_input(ba, bwd_reorders, bwd_pd, DNNL_ARG_SRC_ITER, h0, eng);
    if (!gru)
        bind_input(ba, bwd_reorders, bwd_pd, DNNL_ARG_SRC_ITER_C, c0, eng);
    bind_input(ba, bwd_reorders, bwd_pd, DNNL_ARG_DST_LAYER, y, eng);
    bind_input(ba, bwd_reorders, bwd_pd, DNNL_ARG_WORKSPACE, ws, eng);
    bind_input(ba, bwd_reorders, bwd_pd, DNNL_ARG_DIFF_DST_LAYER, dy, eng);
    bind_input(ba, bwd_reorders, bwd_pd, DNNL_ARG_WEIGHTS_LAYER, w_layer, eng);
    bind_input(ba, bwd_reorders, bwd_pd, DNNL_ARG_WEIGHTS_ITER, w_iter, eng);
    if (peephole)
        bind_input(ba, bwd_reorders, bwd_pd, DNNL_ARG_WEIGHTS_PEEPHOLE, w_peep, eng);
    bind_input(ba, bwd_reorders, bwd_pd, DNNL_ARG_BIAS, bias, eng);
    bind_output(ba, bwd_pd, DNNL_ARG_DIFF_SRC_LAYER, eng);
    bind_output(ba, bwd_pd, DNNL_ARG_DIFF_SRC_ITER, eng);
    if (!gru)
        bind_output(ba, bwd_pd, DNNL_ARG_DIFF_SRC_ITER_C, eng);
    std::vector<memory> diff_weights = {bind_output(ba, bwd_pd, DNNL_ARG_DIFF_WEIGHTS_LAYER, eng),
                                        bind_output(ba, bwd_pd, DNNL_ARG_DIFF_WEIGHTS_ITER, eng),
                                        bind_output(ba, bwd_pd, DNNL_ARG_DIFF_BIAS, eng)};
    if (peephole)
        diff_weights.push_back(bind_output(ba, bwd_pd, DNNL_ARG_DIFF_WEIGHTS_PEEPHOLE, eng));

    auto run_reorders = [&](const std::vector<Reorder> &rs) {
        for (const auto &r : rs)
            r.prim.execute(s, {{DNNL_ARG_FROM, r.from}, {DNNL_ARG_TO, r.to}});
    };

    // The forward-only timing reuses weights packed once, as a caller that does not train would.
    run_reorders(fwd_reorders);
    s.wait();
    Timing tf = measure(
        [&] {
            fwd.execute(s, fa);
            s.wait();
        },
        o.budget);

    // One training step as a framework runs it after a weight update.
    Timing tfb = measure(
        [&] {
            run_reorders(fwd_reorders);
            run_reorders(bwd_reorders);
            fwd.execute(s, fa);
            for (const auto &m : diff_weights)
                zero(m); // backward accumulates into these
            bwd.execute(s, ba);
            s.wait();
        },
        o.budget);

    // Catch a broken setup (NaN from uninitialised packed weights) instead of timing garbage.
    const float *yp = static_cast<const float *>(y.get_data_handle());
    const float *dwp = static_cast<const float *>(diff_weights[1].get_data_handle());
    double ysum = 0, dwsum = 0;
    for (size_t i = 0, n = y.get_desc().get_size() / sizeof(float); i < n; ++i)
        ysum += std::fabs(yp[i]);
    for (size_t i = 0, n = diff_weights[1].get_desc().get_size() / sizeof(float); i < n; ++i)
        dwsum += std::fabs(dwp[i]);
    if (!std::isfinite(ysum) || !std::isfinite(dwsum) || ysum == 0 || dwsum == 0) {
        std::fprintf(stderr,
                     "dnnl_rnn: outputs are zero or not finite (sum|y|=%g, sum|dW_iter|=%g)\n",
                     ysum, dwsum);
        return 1;
    }

    const double tokens = static_cast<double>(T) * B;
    const double fwd_flop = 2.0 * (H + H) * G * H * tokens * L;
    const version_t *v = version();
    const char *wait_env = std::getenv("OMP_WAIT_POLICY");
    const std::string wait_policy = wait_env ? wait_env : "default";
    std::printf(
        "{\"peer\":\"onednn\",\"cell\":\"%s\",\"layers\":%d,\"T\":%d,\"B\":%d,\"H\":%d,"
        "\"threads\":%d,\"fwd_tok_s\":%.1f,\"fwdbwd_tok_s\":%.1f,"
        "\"fwd_gflops\":%.2f,\"fwdbwd_gflops\":%.2f,"
        "\"fwd_best_tok_s\":%.1f,\"fwdbwd_best_tok_s\":%.1f,\"fwd_reps\":%d,\"fwdbwd_reps\":%d,"
        "\"fwd_prop\":\"forward_training\",\"impl_fwd\":\"%s\",\"impl_bwd\":\"%s\","
        "\"isa\":\"%s\",\"version\":\"%d.%d.%d\",\"omp_wait_policy\":\"%s\",\"budget_s\":%g}\n",
        o.cell_name.c_str(), L, T, B, H, omp_get_max_threads(), tokens / tf.median_s,
        tokens / tfb.median_s, fwd_flop / tf.median_s * 1e-9, 3 * fwd_flop / tfb.median_s * 1e-9,
        tokens / tf.best_s, tokens / tfb.best_s, tf.reps, tfb.reps, fwd_pd.impl_info_str(),
        bwd_pd.impl_info_str(), json_escape(isa).c_str(), v->major, v->minor, v->patch,
        json_escape(wait_policy).c_str(), o.budget);
    return 0;
}
