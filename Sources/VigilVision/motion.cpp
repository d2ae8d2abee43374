// Motion detection of the class of Frigate's improved detector (frigate/motion/improved_motion.py):
// grayscale at a small working height, 3x3 Gaussian blur, difference against a running-average
// background with a contrast stretch (4th-96th percentile, averaged over the last 50 frames),
// threshold, 3x3 dilation, connected regions with a minimum size, mask polygons, a calibration
// period, and a lightning guard (a frame-wide change resets the background instead of reporting
// motion). Unlike Frigate, the stretch is applied to frame and background alike (to their
// difference), so a bright object changing the percentiles does not light up the whole frame.
//
// Speed: the full-resolution frame is touched once, by a fused sampling downscale + grayscale (one
// source pixel per working pixel, like Frigate's INTER_NEAREST resize, next rows prefetched); the
// rest runs on the ~133x100 working image (motion_kernels.cpp, motion_regions.cpp) in buffers sized
// once, on the calling thread: no OpenCV parallel code, no allocation per frame.
#include "vigil_vision.h"
#include "common.hpp"
#include "motion_kernels.hpp"
#include "motion_regions.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>
#include <opencv2/imgproc.hpp>

namespace {
constexpr int kContrastHistory = 50;       // frames in the contrast average (Frigate: 50)
constexpr int kMinContrastRange = 32;      // stretch at most 255/32 = 8x: flat, dark scenes would only amplify noise
constexpr double kCalibrationAlpha = 0.2;  // background weight while calibrating (Frigate: 0.2)
constexpr int kMotionSettleFrames = 10;    // motion frames before the background absorbs them (Frigate: 10)
constexpr int kPrefetchRows = 3;           // working rows ahead whose source rows are prefetched
}  // namespace

struct vv_motion {
    vv_motion_config config{};
    std::vector<std::vector<cv::Point2f>> polygons;  // masked-out areas, normalised
    int src_w = 0, src_h = 0, src_channels = 0;
    int w = 0, h = 0, stride = 0, words = 0;         // working image; rows of stride bytes / words bits
    std::vector<int> offsets, rows;                  // per working pixel: byte offset in a source row, source row
    int swar_columns = 0;                            // leading columns whose 4-byte read stays inside the row (luma4)
    std::vector<uint8_t> images;                     // backing store of the byte images below, 16 guard bytes around each
    uint8_t *gray = nullptr, *smoothing = nullptr, *blurred = nullptr, *changed = nullptr, *mask = nullptr;
    size_t size = 0;                                 // bytes in each: stride * h
    std::vector<uint16_t> background;                // running average, grey level * 128
    std::vector<uint64_t> changed_bits, grown_bits, mask_bits;
    int mask_pixels = 0;
    uint8_t contrast[kContrastHistory][2]{};         // recent (4th, 96th) percentiles
    bool contrast_known = false;                     // the history holds real values
    bool frame_in_history = false;                   // the last frame's percentiles went into it
    int contrast_next = 0;
    bool has_background = false;
    int calibration_left = 0, motion_run = 0;
    vv::RegionFinder regions;
};

extern "C" void vv_motion_config_default(vv_motion_config *c) {
    *c = vv_motion_config{};
    c->frame_height = 100;
    c->threshold = 30;
    c->contour_area = 10;
    c->frame_alpha = 0.01;
    c->calibration_frames = 10;
    c->lightning_threshold = 0.8;
    c->improve_contrast = 1;
}

extern "C" vv_motion *vv_motion_create(const vv_motion_config *c, char *err, size_t errlen) {
    return vv::guarded<vv_motion *>(err, errlen, "motion", nullptr, [&]() -> vv_motion * {
        auto bad = [&](const std::string &message) -> vv_motion * { vv::fail(err, errlen, message); return nullptr; };
        if (!c) return bad("motion config is NULL");
        if (c->frame_height < 8 || c->frame_height > 2160) return bad("frame_height must be 8 to 2160");
        if (c->threshold < 1 || c->threshold > 255) return bad("threshold must be 1 to 255");
        if (!(c->contour_area >= 0 && c->contour_area < 1e9)) return bad("contour_area must be 0 or more");
        if (!(c->frame_alpha > 0 && c->frame_alpha <= 1)) return bad("frame_alpha must be more than 0 and at most 1");
        if (c->calibration_frames < 0) return bad("calibration_frames must be 0 or more");
        if (!(c->lightning_threshold > 0 && c->lightning_threshold <= 1))
            return bad("lightning_threshold must be more than 0 and at most 1");
        if (c->mask_polygon_count < 0 || (c->mask_polygon_count > 0 && (!c->mask_points || !c->mask_polygon_sizes)))
            return bad("masks: mask_points and mask_polygon_sizes must be set when mask_polygon_count > 0");
        auto m = std::make_unique<vv_motion>();
        m->config = *c;
        m->config.mask_points = nullptr;  // copied below: the caller's arrays need not outlive this call
        m->config.mask_polygon_sizes = nullptr;
        const float *p = c->mask_points;
        for (int i = 0; i < c->mask_polygon_count; i++) {
            const std::string name = "mask polygon " + std::to_string(i);
            if (c->mask_polygon_sizes[i] < 3 || c->mask_polygon_sizes[i] > 100000) return bad(name + " needs at least 3 points");
            std::vector<cv::Point2f> poly;
            for (int k = 0; k < c->mask_polygon_sizes[i]; k++, p += 2) {
                if (!std::isfinite(p[0]) || !std::isfinite(p[1])) return bad(name + " has a point that is not a number");
                poly.emplace_back(std::clamp(p[0], 0.0f, 1.0f), std::clamp(p[1], 0.0f, 1.0f));
            }
            m->polygons.push_back(std::move(poly));
        }
        return m.release();
    });
}

extern "C" void vv_motion_free(vv_motion *m) { delete m; }

// Sizes the working images and sampling tables for a new source size (allocates; once per size).
static void setup(vv_motion *m, int width, int height, int channels) {
    m->h = std::min(m->config.frame_height, height);
    m->w = std::clamp(static_cast<int>(std::lround(static_cast<double>(width) * m->h / height)), 1, width);
    const int w = m->w, h = m->h;
    m->stride = (w + 15) & ~15;
    m->words = (m->stride + 63) / 64;
    m->offsets.resize(w);
    m->rows.resize(h);
    m->swar_columns = 0;
    for (int x = 0; x < w; x++) {  // the centre of each working pixel's footprint
        m->offsets[x] = static_cast<int>((2LL * x + 1) * width / (2LL * w)) * channels;
        if (channels == 4 || (channels == 3 && m->offsets[x] + 4 <= width * channels)) m->swar_columns = x + 1;
    }
    for (int y = 0; y < h; y++) m->rows[y] = static_cast<int>((2LL * y + 1) * height / (2LL * h));
    const size_t n = static_cast<size_t>(m->stride) * h, nw = static_cast<size_t>(m->words) * h;
    m->size = n;
    m->images.assign(5 * (n + 16) + 16, 0);
    uint8_t *next = m->images.data() + 16;
    for (auto **image : {&m->gray, &m->smoothing, &m->blurred, &m->changed, &m->mask}) {
        *image = next;
        next += n + 16;
    }
    m->background.assign(n, 0);
    for (auto *bits : {&m->changed_bits, &m->grown_bits, &m->mask_bits}) bits->assign(nw, 0);
    cv::Mat mask(h, m->stride, CV_8UC1, cv::Scalar(0));
    mask(cv::Rect(0, 0, w, h)).setTo(255);
    for (const auto &poly : m->polygons) {
        std::vector<cv::Point> pts;
        for (const auto &pt : poly) pts.emplace_back(cvRound(pt.x * w), cvRound(pt.y * h));
        cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{pts}, cv::Scalar(0));
    }
    if (m->stride > w) mask(cv::Rect(w, 0, m->stride - w, h)).setTo(0);  // a polygon may have painted the padding
    std::memcpy(m->mask, mask.data, n);
    m->mask_pixels = cv::countNonZero(mask);
    for (size_t i = 0; i < n; i++)
        if (m->mask[i]) m->mask_bits[(i / m->stride) * m->words + (i % m->stride) / 64] |= uint64_t(1) << (i % m->stride % 64);
    m->regions.reserve(w, h);
    m->has_background = false;
    m->contrast_known = false;
    m->src_w = width;  // last: a failure above leaves the detector to set up again
    m->src_h = height;
    m->src_channels = channels;
}

static inline void prefetch_row(const uint8_t *row, int first, int last) {
    const uintptr_t end = reinterpret_cast<uintptr_t>(row + last);
    for (uintptr_t p = reinterpret_cast<uintptr_t>(row + first) & ~uintptr_t(63); p <= end; p += 64)
        __builtin_prefetch(reinterpret_cast<const void *>(p), 0, 3);
}

using Histogram = uint32_t[4][256];  // four, so that repeated values do not wait on one counter

// BT.601 luma of a BGR pixel in integers. luma4 reads one byte past the pixel, and weighs B and R with
// one multiply: (B + R<<16) * (77 + 29<<16) holds 29B + 77R in bits 16-31.
static inline uint8_t luma3(const uint8_t *p) { return static_cast<uint8_t>((29 * p[0] + 150 * p[1] + 77 * p[2] + 128) >> 8); }
static inline uint8_t luma4(const uint8_t *p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return static_cast<uint8_t>(((((v & 0x00FF00FFu) * 0x001D004Du) >> 16) + 150 * ((v >> 8) & 0xFF) + 128) >> 8);
}

// One working row of the fused downscale + grayscale: one source pixel per working pixel. The source
// row kPrefetchRows ahead is prefetched a line at a time between the pixels (a burst of prefetches
// would stall on the few line-fill buffers). Every 4th row is counted into `hist`.
static void downscale_row(vv_motion *m, int y, const uint8_t *px, size_t stride, int channels, Histogram *hist) {
    const int w = m->w, *off = m->offsets.data(), swar = m->swar_columns;
    if (y == 0)
        for (int r = 0; r < std::min(m->h, kPrefetchRows); r++)
            prefetch_row(px + m->rows[r] * stride, off[0], off[w - 1] + channels - 1);
    const uint8_t *row = px + m->rows[y] * stride, *ahead = px + m->rows[std::min(m->h - 1, y + kPrefetchRows)] * stride;
    uint8_t *out = m->gray + static_cast<size_t>(y) * m->stride;
    int x = 0;
    if (channels == 1) {
        for (; x + 2 <= w; x += 2) {  // samples 2 apart are < 64 bytes apart: every line is prefetched
            __builtin_prefetch(ahead + off[x], 0, 3);
            out[x] = row[off[x]];
            out[x + 1] = row[off[x + 1]];
        }
    } else {
        for (; x + 2 <= swar; x += 2) {
            __builtin_prefetch(ahead + off[x], 0, 3);
            out[x] = luma4(row + off[x]);
            out[x + 1] = luma4(row + off[x + 1]);
        }
    }
    for (; x < w; x++) out[x] = channels == 1 ? row[off[x]] : x < swar ? luma4(row + off[x]) : luma3(row + off[x]);
    if (hist && (y & 3) == 0) {
        Histogram &hh = *hist;
        for (x = 0; x + 4 <= w; x += 4) { hh[0][out[x]]++; hh[1][out[x + 1]]++; hh[2][out[x + 2]]++; hh[3][out[x + 3]]++; }
        for (; x < w; x++) hh[0][out[x]]++;
    }
}

// Contrast (Frigate's improve_contrast), step 1: this frame's 4th and 96th percentiles join the
// recent history, which is filled with them when it restarts. A single-colour frame is skipped.
static bool remember_contrast(vv_motion *m, const Histogram &hist) {
    uint32_t n = 0;
    for (int v = 0; v < 256; v++) n += hist[0][v] + hist[1][v] + hist[2][v] + hist[3][v];
    const uint32_t tail = n * 4 / 100;
    uint32_t acc = 0;
    int lo = 0, hi = 255;
    for (; lo < 255 && (acc += hist[0][lo] + hist[1][lo] + hist[2][lo] + hist[3][lo]) <= tail; lo++) {}
    for (acc = 0; hi > 0 && (acc += hist[0][hi] + hist[1][hi] + hist[2][hi] + hist[3][hi]) <= tail; hi--) {}
    if (lo >= hi) return false;
    if (!m->contrast_known)
        for (auto &v : m->contrast) { v[0] = static_cast<uint8_t>(lo); v[1] = static_cast<uint8_t>(hi); }
    m->contrast_known = true;
    m->contrast[m->contrast_next][0] = static_cast<uint8_t>(lo);
    m->contrast[m->contrast_next][1] = static_cast<uint8_t>(hi);
    m->contrast_next = (m->contrast_next + 1) % kContrastHistory;
    return true;
}

// Contrast, step 2: the stretch of the history's average range to 0..255 (at most 255 /
// kMinContrastRange times). It is applied to the difference, to frame and background alike, so a
// change of the stretch (a bright car entering a dull scene) is not itself a change of the image.
static vv::Contrast contrast_for(const vv_motion *m) {
    vv::Contrast c;
    if (!m->config.improve_contrast || !m->contrast_known) return c;
    int lo_sum = 0, hi_sum = 0;
    for (const auto &v : m->contrast) { lo_sum += v[0]; hi_sum += v[1]; }
    int a = (lo_sum + kContrastHistory / 2) / kContrastHistory, b = (hi_sum + kContrastHistory / 2) / kContrastHistory;
    if (b - a < kMinContrastRange) {
        a = std::clamp((a + b - kMinContrastRange) / 2, 0, 255 - kMinContrastRange);
        b = a + kMinContrastRange;
    }
    c.lo = static_cast<uint8_t>(a);
    c.hi = static_cast<uint8_t>(b);
    c.scale = 255 * 128 / (b - a);  // (b - a) * scale <= 32767
    return c;
}

// The background follows the frame by alpha: b += (f - b) * alpha, in 16-bit fixed point, as
// f + (b - f) * (1 - alpha) when alpha >= 0.5.
static vv::Follow follow(double alpha, int16_t *k) {
    if (alpha >= 1) { *k = 0; return vv::Follow::replace; }
    if (alpha < 0.5) { *k = static_cast<int16_t>(std::clamp(std::lround(alpha * 65536), 1L, 32767L)); return vv::Follow::toward; }
    *k = static_cast<int16_t>(std::clamp(std::lround((1 - alpha) * 65536), 0L, 32767L));
    return vv::Follow::from_frame;
}

// One pass over the frame, row by row, so that the work on the rows already read overlaps the
// memory reads of the next ones: downscale, blur, difference from the background (which then
// follows as `how` says); the frame's brightness histogram goes into the contrast history.
// Returns the number of changed pixels.
static int pass(vv_motion *m, const uint8_t *px, size_t stride, int channels, vv::Follow how, int16_t k) {
    const int w = m->w, h = m->h, s = m->stride;
    const vv::Contrast contrast = contrast_for(m);
    Histogram hist = {};
    const bool measure = m->config.improve_contrast != 0;
    int count = 0;
    for (int y = 0; y <= h; y++) {
        if (y < h) {
            downscale_row(m, y, px, stride, channels, measure ? &hist : nullptr);
            vv::blur_horizontal(m->gray + static_cast<size_t>(y) * s, m->smoothing + static_cast<size_t>(y) * s, w, s);
        }
        if (y == 0) continue;
        const int r = y - 1;  // the rows above and below it are smoothed now
        const size_t o = static_cast<size_t>(r) * s;
        vv::blur_vertical(m->smoothing + static_cast<size_t>(std::max(0, r - 1)) * s, m->smoothing + o,
                          m->smoothing + static_cast<size_t>(std::min(h - 1, r + 1)) * s, m->blurred + o, s);
        count += vv::difference_row(m->blurred + o, &m->background[o], m->mask + o, m->changed + o,
                                    &m->changed_bits[static_cast<size_t>(r) * m->words], s, contrast,
                                    m->config.threshold, how, k);
    }
    m->frame_in_history = measure && remember_contrast(m, hist);
    return count;
}

// The frame (already blurred) becomes the background, and the contrast history restarts from it;
// calibration restarts.
static void reset_background(vv_motion *m) {
    for (size_t i = 0; i < m->size; i++) m->background[i] = static_cast<uint16_t>(m->blurred[i] << 7);
    if (m->frame_in_history) {  // this frame's percentiles fill the history
        const int last = (m->contrast_next + kContrastHistory - 1) % kContrastHistory;
        for (auto &v : m->contrast) { v[0] = m->contrast[last][0]; v[1] = m->contrast[last][1]; }
    }
    m->calibration_left = m->config.calibration_frames;
    m->motion_run = 0;
}

extern "C" int vv_motion_process(vv_motion *m, const uint8_t *px, int width, int height, int stride, int channels,
                                 vv_motion_result *out) {
    if (!out) return -1;
    *out = vv_motion_result{};
    if (!m || !px || width < 1 || height < 1 || (channels != 1 && channels != 3 && channels != 4) ||
        static_cast<long>(stride) < static_cast<long>(width) * channels)
        return -1;
    try {
        if (width != m->src_w || height != m->src_h || channels != m->src_channels) setup(m, width, height, channels);
        const size_t step = static_cast<size_t>(stride);
        if (!m->has_background) {  // first frame: it is the background
            pass(m, px, step, channels, vv::Follow::none, 0);
            reset_background(m);
            m->has_background = true;
            out->calibrating = 1;
            return 0;
        }
        const bool calibrating = m->calibration_left > 0;
        const bool settling = m->motion_run > 0 && m->motion_run < kMotionSettleFrames;
        int16_t k = 0;
        vv::Follow how = follow(calibrating ? std::max(kCalibrationAlpha, m->config.frame_alpha) : m->config.frame_alpha, &k);
        if (!calibrating && settling) how = vv::Follow::none;  // new motion stays out of the background for a while
        const int count = pass(m, px, step, channels, how, k);
        out->changed_percentage = 100.0 * count / std::max(1, m->mask_pixels);
        if (calibrating) {
            m->calibration_left--;
            out->calibrating = 1;
            return 0;
        }
        if (count > m->config.lightning_threshold * m->mask_pixels) {  // light, not motion
            reset_background(m);
            out->lightning = 1;
            return 0;
        }
        if (count == 0) { m->motion_run = 0; return 0; }
        vv::dilate_bits(m->changed_bits.data(), m->mask_bits.data(), m->grown_bits.data(), m->words, m->h);
        const auto &kept = m->regions.find(m->grown_bits.data(), m->changed_bits.data(), m->words, m->changed, m->w,
                                           m->h, m->stride, m->config.contour_area);
        m->motion_run = kept.empty() ? 0 : m->motion_run + 1;
        if (kept.empty()) return 0;
        long pixels = 0, diff = 0;
        for (const auto &r : kept) { pixels += r.pixels; diff += r.diff_sum; }
        out->affected_area_percentage = 100.0 * pixels / std::max(1, m->mask_pixels);
        out->motion_intensity = static_cast<double>(diff) / pixels / 255.0;
        out->box_count = static_cast<int>(std::min<size_t>(kept.size(), VV_MOTION_MAX_BOXES));
        for (int i = 0; i < out->box_count; i++) {
            const vv::Region &r = kept[i];
            out->boxes[i][0] = static_cast<float>(r.x0) / m->w;
            out->boxes[i][1] = static_cast<float>(r.y0) / m->h;
            out->boxes[i][2] = static_cast<float>(r.x1 - r.x0 + 1) / m->w;
            out->boxes[i][3] = static_cast<float>(r.y1 - r.y0 + 1) / m->h;
        }
        return 0;
    } catch (...) {
        m->src_w = m->src_h = 0;  // set the working state up again on the next frame
        return -1;
    }
}
