/* CBLAS sgemm peer at the GEMM shapes of an LSTM layer (row-major, f32). Built once per
 * library: -DPEER_OPENBLAS (link -lopenblas) or -DPEER_BLIS (link -lblis).
 *
 *   nt  gates     C[M x 4H] = X[M x H] * W[4H x H]^T   M = B (recurrent step) or T*B (input
 *                                                       projection over the whole sequence)
 *   nn  dX        C[TB x H] = dG[TB x 4H] * W[4H x H]
 *   tn  dW        C[4H x H] = dG[TB x 4H]^T * X[TB x H]
 *
 * Shapes are sampled round-robin (each sample repeats the call for --sample-ms), so a
 * transient slowdown of a shared machine costs each shape at most one sample; the median over
 * rounds is reported. One JSON line per shape, with the kernel the library picked.
 */
#define _POSIX_C_SOURCE 200809L

#if defined(PEER_OPENBLAS)
#include <cblas.h>
#define PEER_NAME "openblas"
#elif defined(PEER_BLIS)
#include <blis.h>
#define PEER_NAME "blis"
#else
#error "build with -DPEER_OPENBLAS or -DPEER_BLIS"
#endif

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_LIST 16
#define MAX_SHAPES 128

typedef struct {
    const char *op; /* "nt", "nn" or "tn" */
    int M, N, K;
    float *a, *b, *c;
    double samples[64];
    int n_samples;
} shape_t;

static void die(const char *msg) {
    fprintf(stderr,
            "sgemm_bench: %s\n"
            "usage: sgemm_bench [--threads N] [--T 35] [--B 20,64] [--H 200,650,1500]\n"
            "                   [--ops nt,nn,tn] [--rounds 5] [--sample-ms 40] [--quick]\n",
            msg);
    exit(2);
}

static int parse_list(const char *s, int *out) {
    int n = 0;
    while (*s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v <= 0 || v > 1000000 || n == MAX_LIST) die("bad number list");
        out[n++] = (int)v;
        if (*end == ',') end++;
        else if (*end != '\0') die("bad number list");
        s = end;
    }
    if (n == 0) die("empty number list");
    return n;
}

static int parse_int(const char *s) {
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v <= 0 || v > 1000000) die("expected a positive integer");
    return (int)v;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static float *alloc_random(size_t n, unsigned *seed) {
    size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
    float *p = aligned_alloc(64, bytes);
    if (!p) die("out of memory");
    for (size_t i = 0; i < n; ++i) p[i] = (float)rand_r(seed) / RAND_MAX * 2.0f - 1.0f;
    return p;
}

/* Operand element (i, k) of op(A) and (k, j) of op(B), row-major storage. */
static float a_at(const shape_t *s, int i, int k) {
    return strcmp(s->op, "tn") == 0 ? s->a[(size_t)k * s->M + i] : s->a[(size_t)i * s->K + k];
}
static float b_at(const shape_t *s, int k, int j) {
    return strcmp(s->op, "nt") == 0 ? s->b[(size_t)j * s->K + k] : s->b[(size_t)k * s->N + j];
}

static void run(const shape_t *s) {
    int ta = strcmp(s->op, "tn") == 0, tb = strcmp(s->op, "nt") == 0;
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                s->M, s->N, s->K, 1.0f, s->a, ta ? s->M : s->K, s->b, tb ? s->K : s->N, 0.0f,
                s->c, s->N);
}

/* Spot-check C against a double-precision dot product: wrong strides or transposes would
 * otherwise go unnoticed and still produce a GFLOP/s number. */
static void check(const shape_t *s, unsigned *seed) {
    for (int t = 0; t < 32; ++t) {
        int i = rand_r(seed) % s->M, j = rand_r(seed) % s->N;
        double ref = 0, mag = 0;
        for (int k = 0; k < s->K; ++k) {
            double p = (double)a_at(s, i, k) * b_at(s, k, j);
            ref += p;
            mag += fabs(p);
        }
        double got = s->c[(size_t)i * s->N + j];
        if (!(fabs(got - ref) <= 1e-5 * mag + 1e-6)) {
            fprintf(stderr, "sgemm_bench: %s M=%d N=%d K=%d wrong at (%d,%d): %g vs %g\n", s->op,
                    s->M, s->N, s->K, i, j, got, ref);
            exit(1);
        }
    }
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static void add_shape(shape_t *shapes, int *n, const char *op, int M, int N, int K) {
    for (int i = 0; i < *n; ++i)
        if (!strcmp(shapes[i].op, op) && shapes[i].M == M && shapes[i].N == N && shapes[i].K == K)
            return;
    if (*n == MAX_SHAPES) die("too many shapes");
    shapes[(*n)++] = (shape_t){.op = op, .M = M, .N = N, .K = K};
}

static void json_str(const char *key, const char *value) {
    if (!value) {
        printf(",\"%s\":null", key);
        return;
    }
    printf(",\"%s\":\"", key);
    for (const char *p = value; *p; ++p)
        if (*p == '"' || *p == '\\') printf("\\%c", *p);
        else if ((unsigned char)*p >= 0x20) putchar(*p);
    putchar('"');
}

int main(int argc, char **argv) {
    int threads = 1, T = 35, rounds = 5;
    double sample_ms = 40;
    int Bs[MAX_LIST] = {20, 64}, nB = 2;
    int Hs[MAX_LIST] = {200, 650, 1500}, nH = 3;
    int do_nt = 1, do_nn = 1, do_tn = 1, quick = 0;
    int set_B = 0, set_H = 0, set_rounds = 0, set_ms = 0; /* explicit options win over --quick */

    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--quick")) {
            quick = 1;
            continue;
        }
        if (!v) die("option needs a value");
        if (!strcmp(a, "--threads")) threads = parse_int(v);
        else if (!strcmp(a, "--T")) T = parse_int(v);
        else if (!strcmp(a, "--B")) nB = parse_list(v, Bs), set_B = 1;
        else if (!strcmp(a, "--H")) nH = parse_list(v, Hs), set_H = 1;
        else if (!strcmp(a, "--rounds")) rounds = parse_int(v), set_rounds = 1;
        else if (!strcmp(a, "--sample-ms")) sample_ms = parse_int(v), set_ms = 1;
        else if (!strcmp(a, "--ops")) {
            do_nt = do_nn = do_tn = 0;
            for (const char *p = v; *p; p += p[2] == ',' ? 3 : 2) {
                if (!strncmp(p, "nt", 2)) do_nt = 1;
                else if (!strncmp(p, "nn", 2)) do_nn = 1;
                else if (!strncmp(p, "tn", 2)) do_tn = 1;
                else die("--ops takes a comma-separated list of nt, nn, tn");
                if (p[2] != ',' && p[2] != '\0') die("--ops takes a comma-separated list of nt, nn, tn");
            }
            if (!do_nt && !do_nn && !do_tn) die("--ops takes a comma-separated list of nt, nn, tn");
        } else die("unknown option");
        ++i;
    }
    if (quick) { /* smoke test: one small configuration */
        if (!set_B) nB = 1, Bs[0] = 20;
        if (!set_H) nH = 1, Hs[0] = 200;
        if (!set_rounds) rounds = 3;
        if (!set_ms) sample_ms = 20;
    }
    if (rounds > 64) die("at most 64 rounds");

#if defined(PEER_OPENBLAS)
    openblas_set_num_threads(threads);
    const char *kernel = openblas_get_corename();
    const char *version = openblas_get_config();
#else
    bli_thread_set_num_threads(threads);
    const char *kernel = bli_arch_string(bli_arch_query_id());
    const char *version = bli_info_get_version_str();
#endif
    fprintf(stderr, "sgemm_bench: %s kernel %s (%s), %d thread(s)\n", PEER_NAME, kernel, version,
            threads);

    shape_t shapes[MAX_SHAPES];
    int n = 0;
    for (int h = 0; h < nH; ++h) {
        int H = Hs[h];
        for (int b = 0; b < nB; ++b)
            if (do_nt) add_shape(shapes, &n, "nt", Bs[b], 4 * H, H);
        for (int b = 0; b < nB; ++b) {
            int TB = T * Bs[b];
            if (do_nt) add_shape(shapes, &n, "nt", TB, 4 * H, H);
            if (do_nn) add_shape(shapes, &n, "nn", TB, H, 4 * H);
            if (do_tn) add_shape(shapes, &n, "tn", 4 * H, H, TB);
        }
    }

    unsigned seed = 12345;
    for (int i = 0; i < n; ++i) {
        shape_t *s = &shapes[i];
        s->a = alloc_random((size_t)s->M * s->K, &seed);
        s->b = alloc_random((size_t)s->K * s->N, &seed);
        s->c = alloc_random((size_t)s->M * s->N, &seed);
        run(s); /* warm-up: thread pool start, first-touch of C, packing buffers */
        check(s, &seed);
    }

    for (int r = 0; r < rounds; ++r)
        for (int i = 0; i < n; ++i) {
            shape_t *s = &shapes[i];
            int calls = 0;
            double t0 = now(), t;
            do {
                run(s);
                ++calls;
                t = now() - t0;
            } while (t < sample_ms * 1e-3);
            s->samples[s->n_samples++] = t / calls;
        }

    for (int i = 0; i < n; ++i) {
        shape_t *s = &shapes[i];
        qsort(s->samples, s->n_samples, sizeof(double), cmp_double);
        int k = s->n_samples;
        double med = k % 2 ? s->samples[k / 2] : 0.5 * (s->samples[k / 2 - 1] + s->samples[k / 2]);
        double flop = 2.0 * s->M * s->N * s->K;
        printf("{\"peer\":\"%s\",\"op\":\"%s\",\"M\":%d,\"N\":%d,\"K\":%d,\"threads\":%d,"
               "\"gflops\":%.2f,\"gflops_best\":%.2f,\"rounds\":%d",
               PEER_NAME, s->op, s->M, s->N, s->K, threads, flop / med * 1e-9,
               flop / s->samples[0] * 1e-9, k);
        json_str("kernel", kernel);
        json_str("version", version);
#if defined(PEER_OPENBLAS)
        json_str("openblas_coretype", getenv("OPENBLAS_CORETYPE"));
        json_str("openblas_l2_size", getenv("OPENBLAS_L2_SIZE"));
#else
        json_str("blis_arch_type", getenv("BLIS_ARCH_TYPE"));
#endif
        printf("}\n");
        free(s->a);
        free(s->b);
        free(s->c);
    }
    return 0;
}
