/* The FMA roof of this machine: independent multiply-adds on registers, no memory traffic, on OMP_NUM_THREADS
 * threads, for each vector width it has. Prints one JSON line per width:
 * {"peer":"fma_peak","threads":t,"isa":"avx512"|"avx2","width":512|256,"gflops":median of 7}.
 * The roof is the larger; the two differ by 2x where 512-bit FMAs run at full width and are equal where they are
 * double-pumped (Zen 4). The widths alternate within each of the 7 rounds, so load on a shared machine moves both.
 * 16 accumulators (12 ymm without AVX-512VL: only ymm0-15 exist) hide the FMA latency on both FMA pipes. */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#define ITERATIONS 50000000L
#define ROUNDS 7
#ifdef __AVX512VL__
#define YMM_CHAINS 16
#else
#define YMM_CHAINS 12
#endif

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#ifdef __AVX512F__
static float zmm_chains(void) {
    __m512 acc[16];
    for (int i = 0; i < 16; i++) acc[i] = _mm512_set1_ps(0.001f * i);
    const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
    for (long n = 0; n < ITERATIONS; n++) {
#pragma GCC unroll 16
        for (int i = 0; i < 16; i++) acc[i] = _mm512_fmadd_ps(acc[i], m, c);
    }
    float total = 0;
    for (int i = 0; i < 16; i++) total += _mm512_reduce_add_ps(acc[i]);
    return total;
}
#endif

static float ymm_chains(void) {
    __m256 acc[YMM_CHAINS];
    for (int i = 0; i < YMM_CHAINS; i++) acc[i] = _mm256_set1_ps(0.001f * i);
    const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    for (long n = 0; n < ITERATIONS; n++) {
#pragma GCC unroll 16
        for (int i = 0; i < YMM_CHAINS; i++) acc[i] = _mm256_fmadd_ps(acc[i], m, c);
    }
    __m128 s = _mm_setzero_ps();
    for (int i = 0; i < YMM_CHAINS; i++) s = _mm_add_ps(s, _mm_add_ps(_mm256_castps256_ps128(acc[i]), _mm256_extractf128_ps(acc[i], 1)));
    return s[0] + s[1] + s[2] + s[3];
}

/* GFLOP/s of one timed run of all threads at this width; the result feeds a sink so the chains are not dropped. */
static double once(int width, int threads, volatile float *sink) {
    double t0 = 0;
    float total = 0;
#pragma omp parallel reduction(+ : total)
    {
#pragma omp barrier
#pragma omp master
        t0 = omp_get_wtime();
#ifdef __AVX512F__
        total += width == 512 ? zmm_chains() : ymm_chains();
#else
        total += ymm_chains();
#endif
    }
    double seconds = omp_get_wtime() - t0;
    *sink += total;
    double flops = width == 512 ? 2.0 * 16 * 16 * ITERATIONS * threads : 2.0 * 8 * YMM_CHAINS * ITERATIONS * threads;
    return flops / seconds / 1e9;
}

int main(void) {
    int threads = omp_get_max_threads();
    volatile float sink = 0;
#ifdef __AVX512F__
    const int widths[] = {512, 256};
#else
    const int widths[] = {256};
#endif
    const int count = sizeof widths / sizeof widths[0];
    double samples[2][ROUNDS];
    for (int rep = 0; rep < ROUNDS; rep++)
        for (int w = 0; w < count; w++) samples[w][rep] = once(widths[w], threads, &sink);
    for (int w = 0; w < count; w++) {
        qsort(samples[w], ROUNDS, sizeof samples[w][0], compare);
        printf("{\"peer\":\"fma_peak\",\"threads\":%d,\"isa\":\"%s\",\"width\":%d,\"gflops\":%.1f}\n", threads,
               widths[w] == 512 ? "avx512" : "avx2", widths[w], samples[w][ROUNDS / 2]);
    }
    return sink == 12345.0f;
}
