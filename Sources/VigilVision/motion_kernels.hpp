// The per-pixel loops of motion.cpp on the small working image, in SSE2 (any x86-64) with a plain C++
// fallback elsewhere. Images are rows of `stride` bytes, stride a multiple of 16; bit images hold one
// bit per pixel (bit k of word j = pixel 64j + k), `words` uint64 per row.
#pragma once
#include <cstddef>
#include <cstdint>

namespace vv {

// The 3x3 Gaussian ([1 2 1] each way, edges replicated) in two passes. Horizontal: one row;
// row[-1] and row[stride] must be readable (their values do not matter).
void blur_horizontal(const uint8_t *row, uint8_t *out, int width, int stride);
// Vertical: one output row from the horizontally blurred rows above, at and below.
void blur_vertical(const uint8_t *above, const uint8_t *row, const uint8_t *below, uint8_t *out, int stride);

// How the background (grey level * 128) follows the frame after the difference is taken.
enum class Follow { none, toward, from_frame, replace };  // none; b += (f - b) * k / 65536; b = f + (b - f) * k / 65536; b = f

// A contrast stretch, applied to a difference: both sides clamped to [lo, hi], then |a - b| * scale / 128.
// {0, 255, 128} is none; (hi - lo) * scale must stay <= 32767.
struct Contrast { uint8_t lo = 0, hi = 255; int scale = 128; };

// One row: changed = the stretched |frame - background| (whole grey levels) where it exceeds
// `threshold` and the mask is set, else 0; its nonzero pixels as bits; then the background follows.
// Returns the number of changed pixels.
int difference_row(const uint8_t *frame, uint16_t *background, const uint8_t *mask, uint8_t *changed, uint64_t *bits,
                   int stride, const Contrast &contrast, int threshold, Follow follow, int16_t k);

}  // namespace vv
