// SSE2 (baseline on every x86-64, so no -march flag is needed) or plain C++: the same results.
#include "motion_kernels.hpp"

#include <algorithm>
#include <cstdlib>
#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define VV_SSE2 1
#endif

namespace vv {

// [1 2 1] / 4 as avg(avg(a, c), b): rounds up by at most one grey level, the same on every frame
// and so on the background too; only the difference between the two matters.
static inline uint8_t smooth3(int a, int b, int c) { return static_cast<uint8_t>((((a + c + 1) >> 1) + b + 1) >> 1); }

void blur_horizontal(const uint8_t *row, uint8_t *out, int width, int stride) {
#ifdef VV_SSE2
    for (int x = 0; x < stride; x += 16) {  // reads row[-1] and row[stride]: fixed below / padding
        const __m128i l = _mm_loadu_si128(reinterpret_cast<const __m128i *>(row + x - 1));
        const __m128i m = _mm_loadu_si128(reinterpret_cast<const __m128i *>(row + x));
        const __m128i r = _mm_loadu_si128(reinterpret_cast<const __m128i *>(row + x + 1));
        _mm_storeu_si128(reinterpret_cast<__m128i *>(out + x), _mm_avg_epu8(_mm_avg_epu8(l, r), m));
    }
#else
    for (int x = 1; x < width - 1; x++) out[x] = smooth3(row[x - 1], row[x], row[x + 1]);
#endif
    const int last = width - 1;  // edges replicated
    out[0] = smooth3(row[0], row[0], row[width > 1 ? 1 : 0]);
    out[last] = smooth3(row[last > 0 ? last - 1 : 0], row[last], row[last]);
}

void blur_vertical(const uint8_t *above, const uint8_t *row, const uint8_t *below, uint8_t *out, int stride) {
#ifdef VV_SSE2
    for (int x = 0; x < stride; x += 16) {
        const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i *>(above + x));
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i *>(row + x));
        const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i *>(below + x));
        _mm_storeu_si128(reinterpret_cast<__m128i *>(out + x), _mm_avg_epu8(_mm_avg_epu8(a, c), b));
    }
#else
    for (int x = 0; x < stride; x++) out[x] = smooth3(above[x], row[x], below[x]);
#endif
}

static inline int popcount64(uint64_t v) {  // portable: no -mpopcnt needed
    v = v - ((v >> 1) & 0x5555555555555555ull);
    v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
    v = (v + (v >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return static_cast<int>((v * 0x0101010101010101ull) >> 56);
}

template <Follow follow>
static void difference_impl(const uint8_t *frame, uint16_t *background, const uint8_t *mask, uint8_t *changed,
                            uint64_t *bits, int stride, const Contrast &contrast, int threshold, int16_t k) {
#ifdef VV_SSE2
    const __m128i z = _mm_setzero_si128(), vk = _mm_set1_epi16(k), half = _mm_set1_epi16(64),
                  vt = _mm_set1_epi8(static_cast<char>(static_cast<uint8_t>(std::min(threshold, 255)))),
                  lo = _mm_set1_epi8(static_cast<char>(contrast.lo)), hi = _mm_set1_epi8(static_cast<char>(contrast.hi)),
                  scale = _mm_set1_epi16(static_cast<short>(contrast.scale));
    uint64_t word = 0;
    for (int x = 0; x < stride; x += 16) {
        const __m128i f = _mm_loadu_si128(reinterpret_cast<const __m128i *>(frame + x));
        __m128i b0 = _mm_loadu_si128(reinterpret_cast<const __m128i *>(background + x));
        __m128i b1 = _mm_loadu_si128(reinterpret_cast<const __m128i *>(background + x + 8));
        const __m128i whole = _mm_packus_epi16(_mm_srli_epi16(b0, 7), _mm_srli_epi16(b1, 7));
        const __m128i fc = _mm_min_epu8(_mm_max_epu8(f, lo), hi), bc = _mm_min_epu8(_mm_max_epu8(whole, lo), hi);
        const __m128i raw = _mm_or_si128(_mm_subs_epu8(fc, bc), _mm_subs_epu8(bc, fc));  // |f - b|, clamped to the range
        const __m128i d = _mm_packus_epi16(  // stretched: * scale / 128
            _mm_srli_epi16(_mm_add_epi16(_mm_mullo_epi16(_mm_unpacklo_epi8(raw, z), scale), half), 7),
            _mm_srli_epi16(_mm_add_epi16(_mm_mullo_epi16(_mm_unpackhi_epi8(raw, z), scale), half), 7));
        const __m128i c = _mm_andnot_si128(_mm_cmpeq_epi8(_mm_subs_epu8(d, vt), z),        // d > threshold
                                           _mm_and_si128(d, _mm_loadu_si128(reinterpret_cast<const __m128i *>(mask + x))));
        _mm_storeu_si128(reinterpret_cast<__m128i *>(changed + x), c);
        const unsigned nonzero = ~static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(c, z))) & 0xFFFFu;
        word |= static_cast<uint64_t>(nonzero) << (x & 63);
        if ((x & 63) == 48 || x + 16 == stride) { bits[x >> 6] = word; word = 0; }
        if (follow == Follow::none) continue;
        const __m128i f0 = _mm_slli_epi16(_mm_unpacklo_epi8(f, z), 7), f1 = _mm_slli_epi16(_mm_unpackhi_epi8(f, z), 7);
        if (follow == Follow::toward) {  // (f - b) is within +-32640
            b0 = _mm_add_epi16(b0, _mm_mulhi_epi16(_mm_sub_epi16(f0, b0), vk));
            b1 = _mm_add_epi16(b1, _mm_mulhi_epi16(_mm_sub_epi16(f1, b1), vk));
        } else if (follow == Follow::from_frame) {
            b0 = _mm_add_epi16(f0, _mm_mulhi_epi16(_mm_sub_epi16(b0, f0), vk));
            b1 = _mm_add_epi16(f1, _mm_mulhi_epi16(_mm_sub_epi16(b1, f1), vk));
        } else {
            b0 = f0;
            b1 = f1;
        }
        _mm_storeu_si128(reinterpret_cast<__m128i *>(background + x), b0);
        _mm_storeu_si128(reinterpret_cast<__m128i *>(background + x + 8), b1);
    }
#else
    for (int x = 0; x < stride; x++) {
        const int f = frame[x] << 7, b = background[x], d = f - b;
        auto clamp = [&](int v) { return std::min<int>(std::max<int>(v, contrast.lo), contrast.hi); };
        const int a = std::min(255, (std::abs(clamp(frame[x]) - clamp(b >> 7)) * contrast.scale + 64) >> 7);
        const uint8_t c = static_cast<uint8_t>(a > threshold ? a : 0) & mask[x];
        changed[x] = c;
        if (c) bits[x >> 6] |= uint64_t(1) << (x & 63);
        if (follow == Follow::toward) background[x] = static_cast<uint16_t>(b + ((d * k) >> 16));
        if (follow == Follow::from_frame) background[x] = static_cast<uint16_t>(f + ((-d * k) >> 16));
        if (follow == Follow::replace) background[x] = static_cast<uint16_t>(f);
    }
#endif
}

int difference_row(const uint8_t *frame, uint16_t *background, const uint8_t *mask, uint8_t *changed, uint64_t *bits,
                   int stride, const Contrast &contrast, int threshold, Follow follow, int16_t k) {
    const int words = (stride + 63) / 64;
    for (int j = 0; j < words; j++) bits[j] = 0;
    switch (follow) {
        case Follow::none: difference_impl<Follow::none>(frame, background, mask, changed, bits, stride, contrast, threshold, k); break;
        case Follow::toward: difference_impl<Follow::toward>(frame, background, mask, changed, bits, stride, contrast, threshold, k); break;
        case Follow::from_frame: difference_impl<Follow::from_frame>(frame, background, mask, changed, bits, stride, contrast, threshold, k); break;
        case Follow::replace: difference_impl<Follow::replace>(frame, background, mask, changed, bits, stride, contrast, threshold, k); break;
    }
    int count = 0;
    for (int j = 0; j < words; j++) count += popcount64(bits[j]);
    return count;
}

}  // namespace vv
