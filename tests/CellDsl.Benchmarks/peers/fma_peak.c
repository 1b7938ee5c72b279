/* The FMA roof of this machine: independent multiply-adds on registers, no memory traffic, on OMP_NUM_THREADS
 * threads. Prints one JSON line: {"peer":"fma_peak","threads":t,"isa":"avx512"|"avx2","gflops":median of 7}.
 * 16 zmm accumulators (or 12 ymm: without AVX-512VL only ymm0-15 exist) hide the FMA latency on both FMA pipes. */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#define ITERATIONS 50000000L

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void) {
    int threads = omp_get_max_threads();
    double samples[7];
    volatile float sink = 0;
    for (int rep = 0; rep < 7; rep++) {
        double t0 = 0;
        float total = 0;
#pragma omp parallel reduction(+ : total)
        {
#ifdef __AVX512F__
            __m512 acc[16];
            for (int i = 0; i < 16; i++) acc[i] = _mm512_set1_ps(0.001f * i);
            const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
#pragma omp barrier
#pragma omp master
            t0 = omp_get_wtime();
            for (long n = 0; n < ITERATIONS; n++) {
#pragma GCC unroll 16
                for (int i = 0; i < 16; i++) acc[i] = _mm512_fmadd_ps(acc[i], m, c);
            }
            for (int i = 0; i < 16; i++) total += _mm512_reduce_add_ps(acc[i]);
#else
            __m256 acc[12];
            for (int i = 0; i < 12; i++) acc[i] = _mm256_set1_ps(0.001f * i);
            const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
#pragma omp barrier
#pragma omp master
            t0 = omp_get_wtime();
            for (long n = 0; n < ITERATIONS; n++) {
#pragma GCC unroll 12
                for (int i = 0; i < 12; i++) acc[i] = _mm256_fmadd_ps(acc[i], m, c);
            }
            __m128 s = _mm_setzero_ps();
            for (int i = 0; i < 12; i++) s = _mm_add_ps(s, _mm_add_ps(_mm256_castps256_ps128(acc[i]), _mm256_extractf128_ps(acc[i], 1)));
            total += s[0] + s[1] + s[2] + s[3];
#endif
        }
        double seconds = omp_get_wtime() - t0;
#ifdef __AVX512F__
        double flops = 2.0 * 16 * 16 * ITERATIONS * threads;
#else
        double flops = 2.0 * 12 * 8 * ITERATIONS * threads;
#endif
        samples[rep] = flops / seconds / 1e9;
        sink += total;
    }
    qsort(samples, 7, sizeof samples[0], compare);
#ifdef __AVX512F__
    const char *isa = "avx512";
#else
    const char *isa = "avx2";
#endif
    printf("{\"peer\":\"fma_peak\",\"threads\":%d,\"isa\":\"%s\",\"gflops\":%.1f}\n", threads, isa, samples[3]);
    return sink == 12345.0f;
}
