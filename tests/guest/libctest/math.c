/* libm (part of picolibc's libc.a) and the FP/SIMD unit. */
#include <arm_neon.h>
#include <math.h>

#include "libctest.h"

static void test_neon(void)
{
    float a[8], b[8], out[8];
    for (int i = 0; i < 8; i++)
        a[i] = (float)i, b[i] = 0.5f * (float)i;
    for (int i = 0; i < 8; i += 4)
        vst1q_f32(out + i, vmlaq_f32(vld1q_f32(a + i), vld1q_f32(b + i), vdupq_n_f32(2.0f)));
    float sum = 0;
    for (int i = 0; i < 8; i++)
        sum += out[i];
    check_near("NEON multiply-add", sum, 56.0, 0); /* sum of 2i for i < 8 */
}

void test_math(void)
{
    /* volatile: the compiler must not fold these at build time; the library computes them. */
    volatile double two = 2.0, one = 1.0, half_pi = M_PI / 2, ten = 10.0;

    check_near("sqrt(2)", sqrt(two), 1.4142135623730951, 1e-15);
    check_near("sin(pi/6)", sin(M_PI / 6 * one), 0.5, 1e-15);
    check_near("cos(pi/2)", cos(half_pi), 0.0, 1e-15);
    check_near("exp(1)", exp(one), 2.718281828459045, 1e-15);
    check_near("log(10)", log(ten), 2.302585092994046, 1e-15);
    check_near("pow(2, 10)", pow(two, ten), 1024.0, 0);
    check_near("atan2(1, 1)", atan2(one, one), M_PI / 4, 1e-15);
    check_near("floor(-2.5)", floor(-2.5 * one), -3.0, 0);
    check_near("fmod(10, 3)", fmod(ten, 3.0), 1.0, 0);
    check_near("sqrtf(2)", sqrtf((float)two), 1.41421356f, 1e-6);
    wren_check("isnan(sqrt(-1))", isnan(sqrt(-one)) != 0, 1);
    test_neon();
}
