// Motion regions: 3x3 dilation on bit rows, then run-length labelling with union-find. The cost grows
// with the number of runs (the moving area), not with the image; no allocation once sized.
#include "motion_regions.hpp"

#include <algorithm>

namespace vv {

void dilate_bits(const uint64_t *bits, const uint64_t *mask, uint64_t *out, int words, int height) {
    for (int y = 0; y < height; y++) {
        const uint64_t *a = bits + static_cast<size_t>(std::max(0, y - 1)) * words, *b = bits + static_cast<size_t>(y) * words,
                       *c = bits + static_cast<size_t>(std::min(height - 1, y + 1)) * words;
        uint64_t prev = 0, cur = a[0] | b[0] | c[0];
        for (int j = 0; j < words; j++) {
            const uint64_t next = j + 1 < words ? (a[j + 1] | b[j + 1] | c[j + 1]) : 0;
            // pixel x takes x - 1 (shift left, carry from the previous word) and x + 1
            const uint64_t grown = cur | (cur << 1) | (prev >> 63) | (cur >> 1) | (next << 63);
            out[static_cast<size_t>(y) * words + j] = grown & mask[static_cast<size_t>(y) * words + j];
            prev = cur;
            cur = next;
        }
    }
}

void RegionFinder::reserve(int width, int height) {
    const size_t most = static_cast<size_t>((width + 1) / 2) * height + 1;  // alternating pixels
    runs_.reserve(most);
    parent_.reserve(most);
    stats_.reserve(most);
    kept_.reserve(most);
}

int RegionFinder::root(int i) {
    while (parent_[i] != i) {
        parent_[i] = parent_[parent_[i]];  // path halving
        i = parent_[i];
    }
    return i;
}

static inline int popcount64(uint64_t v) {  // portable: no -mpopcnt needed
    v = v - ((v >> 1) & 0x5555555555555555ull);
    v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
    v = (v + (v >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return static_cast<int>((v * 0x0101010101010101ull) >> 56);
}

// First x >= from whose bit equals `set`, or limit.
static inline int scan(const uint64_t *row, int from, int limit, int words, bool set) {
    int j = from >> 6;
    if (j >= words) return limit;
    uint64_t v = (set ? row[j] : ~row[j]) & (~uint64_t(0) << (from & 63));
    while (v == 0) {
        if (++j >= words) return limit;
        v = set ? row[j] : ~row[j];
    }
    return std::min(limit, j * 64 + __builtin_ctzll(v));
}

const std::vector<Region> &RegionFinder::find(const uint64_t *grown, const uint64_t *changed_bits, int words,
                                              const uint8_t *changed, int width, int height, int stride,
                                              double min_pixels) {
    runs_.clear();
    parent_.clear();
    size_t prev_begin = 0, prev_end = 0;
    for (int y = 0; y < height; y++) {
        const uint64_t *row = grown + static_cast<size_t>(y) * words;
        const size_t begin = runs_.size();
        size_t k = prev_begin;
        for (int x = scan(row, 0, width, words, true); x < width; x = scan(row, x, width, words, true)) {
            const int x0 = x;
            x = scan(row, x, width, words, false);
            const int id = static_cast<int>(runs_.size());
            runs_.push_back({y, x0, x - 1});
            parent_.push_back(id);
            // 8-connected to the runs of the row above that overlap [x0 - 1, x]
            while (k < prev_end && runs_[k].x1 < x0 - 1) k++;
            for (size_t j = k; j < prev_end && runs_[j].x0 <= x; j++) {
                const int a = root(id), b = root(static_cast<int>(j));
                if (a != b) parent_[std::max(a, b)] = std::min(a, b);  // a root is its region's first run
            }
        }
        prev_begin = begin;
        prev_end = runs_.size();
    }

    // Measure every run on the changed image (its bits give the count and extent, its bytes the
    // differences), into its region's root: an earlier run, already reset.
    stats_.resize(runs_.size());
    for (size_t i = 0; i < runs_.size(); i++) {
        const int r = root(static_cast<int>(i));
        Region &s = stats_[r];
        if (static_cast<size_t>(r) == i) s = Region{};
        const Run &run = runs_[i];
        const uint64_t *bits = changed_bits + static_cast<size_t>(run.y) * words;
        int n = 0, first = -1, last = -1;
        for (int j = run.x0 >> 6; j <= run.x1 >> 6; j++) {
            uint64_t v = bits[j];
            if (j == run.x0 >> 6) v &= ~uint64_t(0) << (run.x0 & 63);
            if (j == run.x1 >> 6 && (run.x1 & 63) != 63) v &= (uint64_t(1) << ((run.x1 & 63) + 1)) - 1;
            if (v == 0) continue;
            n += popcount64(v);
            if (first < 0) first = j * 64 + __builtin_ctzll(v);
            last = j * 64 + 63 - __builtin_clzll(v);
        }
        if (n == 0) continue;  // grown only
        const uint8_t *row = changed + static_cast<size_t>(run.y) * stride;
        int sum = 0;
        for (int x = first; x <= last; x++) sum += row[x];
        if (s.pixels == 0) {
            s.x0 = first; s.x1 = last; s.y0 = s.y1 = run.y;
        } else {
            s.x0 = std::min(s.x0, first); s.x1 = std::max(s.x1, last);
            s.y0 = std::min(s.y0, run.y); s.y1 = std::max(s.y1, run.y);
        }
        s.pixels += n;
        s.diff_sum += sum;
    }

    kept_.clear();
    for (size_t i = 0; i < runs_.size(); i++)
        if (parent_[i] == static_cast<int>(i) && stats_[i].pixels > 0 && stats_[i].pixels >= min_pixels)
            kept_.push_back(stats_[i]);
    std::sort(kept_.begin(), kept_.end(), [](const Region &a, const Region &b) {
        return a.pixels != b.pixels ? a.pixels > b.pixels : (a.y0 != b.y0 ? a.y0 < b.y0 : a.x0 < b.x0);
    });
    return kept_;
}

}  // namespace vv
