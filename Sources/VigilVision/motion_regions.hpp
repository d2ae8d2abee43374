// Connected motion regions of a small bit image, for motion.cpp: what findContours(RETR_EXTERNAL) +
// boundingRect give Frigate, without allocating per frame (the buffers are sized once).
#pragma once
#include <cstdint>
#include <vector>

namespace vv {

struct Region {
    int pixels = 0;     // changed (undilated) pixels in the region
    long diff_sum = 0;  // sum of their differences from the background, grey levels
    int x0 = 0, y0 = 0, x1 = -1, y1 = -1;  // inclusive bounds of those pixels
};

class RegionFinder {
public:
    // Sizes the buffers for images of up to width x height.
    void reserve(int width, int height);
    // 8-connected regions of the set bits of `grown` (`words` uint64 per row, nothing set at or after
    // `width`). Each region is measured on the changed pixels: `changed_bits` (same layout) and
    // `changed` (rows of `stride` bytes: 0, or the difference); regions with fewer than `min_pixels`
    // changed pixels are dropped. Returns the kept regions, largest first (valid until the next call).
    const std::vector<Region> &find(const uint64_t *grown, const uint64_t *changed_bits, int words,
                                    const uint8_t *changed, int width, int height, int stride, double min_pixels);

private:
    struct Run { int y, x0, x1; };
    int root(int i);
    std::vector<Run> runs_;
    std::vector<int> parent_;
    std::vector<Region> stats_, kept_;
};

// 3x3 dilation of a bit image (`words` per row), kept inside `mask` (same layout).
void dilate_bits(const uint64_t *bits, const uint64_t *mask, uint64_t *out, int words, int height);

}  // namespace vv
