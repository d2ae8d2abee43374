// Motion detection of the class of Frigate's improved detector, at C++ speed:
// sampled downscale + grayscale straight from BGR, contrast stretch, blur, difference against a
// running-average background, threshold, dilate, contours with a minimum area, masks, a
// calibration period, and a lightning guard (a frame-wide change resets the background).
#include "vigil_vision.h"
#include "common.hpp"

#include <algorithm>
#include <cmath>
#include <vector>
#include <opencv2/imgproc.hpp>

struct vv_motion {
    vv_motion_config config{};
    std::vector<std::vector<cv::Point2f>> polygons;  // normalised masked-out areas
    int src_w = 0, src_h = 0, width = 0, height = 0;
    std::vector<int> offsets, rows;                  // byte offset in a source row, and source row, per working pixel
    cv::Mat gray, blurred, changed, dilated, mask;
    std::vector<uint16_t> background;                 // running average, brightness * 128 (fixed point)
    std::vector<uint16_t> rowsum;                     // blur scratch
    int mask_pixels = 0;
    bool has_background = false;
    int calibration_left = 0;
    uint8_t lut[256];                                 // contrast stretch, from the previous frame's histogram
    int hist[256];
    std::vector<std::vector<cv::Point>> contours;
};

extern "C" void vv_motion_config_default(vv_motion_config *c) {
    *c = vv_motion_config{};
    c->frame_height = 100;
    c->threshold = 30;
    c->contour_area = 10;
    c->frame_alpha = 0.01;
    c->calibration_frames = 30;
    c->lightning_threshold = 0.8;
    c->improve_contrast = 1;
}

extern "C" vv_motion *vv_motion_create(const vv_motion_config *c, char *err, size_t errlen) {
    return vv::guarded<vv_motion *>(err, errlen, "motion", nullptr, [&]() -> vv_motion * {
        if (c->frame_height < 8 || c->frame_height > 2160) { vv::fail(err, errlen, "frame_height must be 8 to 2160"); return nullptr; }
        if (c->threshold < 1 || c->threshold > 255) { vv::fail(err, errlen, "threshold must be 1 to 255"); return nullptr; }
        if (!(c->frame_alpha > 0 && c->frame_alpha <= 1)) { vv::fail(err, errlen, "frame_alpha must be in (0, 1]"); return nullptr; }
        if (!(c->lightning_threshold > 0 && c->lightning_threshold <= 1)) { vv::fail(err, errlen, "lightning_threshold must be in (0, 1]"); return nullptr; }
        if (c->contour_area < 0 || c->calibration_frames < 0) { vv::fail(err, errlen, "contour_area and calibration_frames must not be negative"); return nullptr; }
        cv::setNumThreads(1);  // tiny images: threads cost more than they save, and many cameras run at once
        auto *m = new vv_motion();
        m->config = *c;
        const float *p = c->mask_points;
        for (int i = 0; i < c->mask_polygon_count; i++) {
            std::vector<cv::Point2f> poly;
            for (int k = 0; k < c->mask_polygon_sizes[i]; k++, p += 2) poly.emplace_back(p[0], p[1]);
            m->polygons.push_back(poly);
        }
        m->config.mask_points = nullptr;
        m->config.mask_polygon_sizes = nullptr;
        return m;
    });
}

extern "C" void vv_motion_free(vv_motion *m) { delete m; }

// Sizes the working images and sampling tables for a new source size.
static void setup(vv_motion *m, int width, int height, int channels) {
    m->src_w = width;
    m->src_h = height;
    m->height = std::min(m->config.frame_height, height);
    m->width = std::max(1, static_cast<int>(std::lround(static_cast<double>(width) * m->height / height)));
    m->offsets.resize(m->width);
    m->rows.resize(m->height);
    for (int x = 0; x < m->width; x++) m->offsets[x] = std::min(width - 1, (2 * x + 1) * width / (2 * m->width)) * channels;
    for (int y = 0; y < m->height; y++) m->rows[y] = std::min(height - 1, (2 * y + 1) * height / (2 * m->height));
    m->gray.create(m->height, m->width, CV_8UC1);
    m->blurred.create(m->height, m->width, CV_8UC1);
    m->changed.create(m->height, m->width, CV_8UC1);
    m->background.assign(static_cast<size_t>(m->width) * m->height, 0);
    m->rowsum.assign(static_cast<size_t>(m->width) * 3, 0);
    m->mask = cv::Mat(m->height, m->width, CV_8UC1, cv::Scalar(255));
    for (const auto &poly : m->polygons) {
        std::vector<cv::Point> pts;
        for (const auto &pt : poly) pts.emplace_back(cvRound(pt.x * m->width), cvRound(pt.y * m->height));
        if (pts.size() >= 3) cv::fillPoly(m->mask, std::vector<std::vector<cv::Point>>{pts}, cv::Scalar(0));
    }
    m->mask_pixels = cv::countNonZero(m->mask);
    for (int v = 0; v < 256; v++) m->lut[v] = static_cast<uint8_t>(v);
    m->has_background = false;
}

// Fused downscale + grayscale + contrast: one source pixel per working pixel (the blur that
// follows smooths it), through the contrast table, counted in this frame's histogram.
static void downscale(vv_motion *m, const uint8_t *px, int stride, int channels) {
    std::fill(std::begin(m->hist), std::end(m->hist), 0);
    const int *off = m->offsets.data();
    for (int y = 0; y < m->height; y++) {
        const uint8_t *row = px + static_cast<size_t>(m->rows[y]) * stride;
        uint8_t *out = m->gray.ptr<uint8_t>(y);
        if (channels == 3) {
            for (int x = 0; x < m->width; x++) {
                const uint8_t *p = row + off[x];
                const int v = (29 * p[0] + 150 * p[1] + 77 * p[2]) >> 8;
                m->hist[v]++;
                out[x] = m->lut[v];
            }
        } else {
            for (int x = 0; x < m->width; x++) {
                const int v = row[off[x]];
                m->hist[v]++;
                out[x] = m->lut[v];
            }
        }
    }
}

// 3x3 Gaussian ([1 2 1] each way), separable, edges replicated; plain loops the compiler vectorises.
static void blur(vv_motion *m) {
    const int w = m->width, h = m->height;
    uint16_t *vs = m->rowsum.data();
    for (int y = 0; y < h; y++) {
        const uint8_t *a = m->gray.ptr<uint8_t>(std::max(0, y - 1)), *b = m->gray.ptr<uint8_t>(y),
                      *c = m->gray.ptr<uint8_t>(std::min(h - 1, y + 1));
        for (int x = 0; x < w; x++) vs[x] = static_cast<uint16_t>(a[x] + 2 * b[x] + c[x]);
        uint8_t *out = m->blurred.ptr<uint8_t>(y);
        out[0] = static_cast<uint8_t>((3 * vs[0] + vs[std::min(1, w - 1)] + 8) >> 4);
        for (int x = 1; x < w - 1; x++) out[x] = static_cast<uint8_t>((vs[x - 1] + 2 * vs[x] + vs[x + 1] + 8) >> 4);
        if (w > 1) out[w - 1] = static_cast<uint8_t>((vs[w - 2] + 3 * vs[w - 1] + 8) >> 4);
    }
}

// 3x3 dilation restricted to the mask (separable max), plain loops the compiler vectorises.
static void dilate(vv_motion *m) {
    const int w = m->width, h = m->height;
    m->dilated.create(h, w, CV_8UC1);
    uint8_t *tmp = reinterpret_cast<uint8_t *>(m->rowsum.data());  // w bytes of scratch per row (rowsum holds 3w uint16)
    for (int y = 0; y < h; y++) {
        const uint8_t *a = m->changed.ptr<uint8_t>(std::max(0, y - 1)), *b = m->changed.ptr<uint8_t>(y),
                      *c = m->changed.ptr<uint8_t>(std::min(h - 1, y + 1));
        for (int x = 0; x < w; x++) tmp[x] = std::max(a[x], std::max(b[x], c[x]));
        uint8_t *out = m->dilated.ptr<uint8_t>(y);
        const uint8_t *mask = m->mask.ptr<uint8_t>(y);
        out[0] = std::max(tmp[0], tmp[std::min(1, w - 1)]) & mask[0];
        for (int x = 1; x < w - 1; x++) out[x] = std::max(tmp[x - 1], std::max(tmp[x], tmp[x + 1])) & mask[x];
        if (w > 1) out[w - 1] = std::max(tmp[w - 2], tmp[w - 1]) & mask[w - 1];
    }
}

static void reset_background(vv_motion *m) {
    const uint8_t *cur = m->blurred.data;
    for (size_t i = 0; i < m->background.size(); i++) m->background[i] = static_cast<uint16_t>(cur[i] << 7);
}

// Next frame's contrast table: stretch the 4th..96th percentile of brightness to 0..255.
static void update_contrast(vv_motion *m) {
    const int n = m->width * m->height, tail = n * 4 / 100;
    int lo = 0, hi = 255, acc = 0;
    for (; lo < 255 && (acc += m->hist[lo]) < tail; lo++) {}
    acc = 0;
    for (; hi > 0 && (acc += m->hist[hi]) < tail; hi--) {}
    if (hi - lo < 8) {  // flat frame: stretching would only amplify noise
        for (int v = 0; v < 256; v++) m->lut[v] = static_cast<uint8_t>(v);
        return;
    }
    for (int v = 0; v < 256; v++) m->lut[v] = static_cast<uint8_t>(std::clamp((v - lo) * 255 / (hi - lo), 0, 255));
}

extern "C" int vv_motion_process(vv_motion *m, const uint8_t *px, int width, int height, int stride, int channels,
                                 vv_motion_result *out) {
    *out = vv_motion_result{};
    try {
        if (width != m->src_w || height != m->src_h) setup(m, width, height, channels);
        downscale(m, px, stride, channels);
        if (m->config.improve_contrast) update_contrast(m);
        blur(m);
        if (!m->has_background) {
            reset_background(m);
            m->has_background = true;
            m->calibration_left = m->config.calibration_frames;
            out->calibrating = 1;
            return 0;
        }
        // One pass: difference against the background, threshold, mask, and background update,
        // in fixed point (brightness * 128), branch-free so the compiler vectorises it.
        const bool calibrating = m->calibration_left > 0;
        const double a = calibrating ? std::max(0.2, m->config.frame_alpha) : m->config.frame_alpha;
        const int alpha = std::max(1, static_cast<int>(std::lround(a * 65536)));
        const int threshold = m->config.threshold << 7;
        const int n = m->width * m->height;
        const uint8_t *cur = m->blurred.data, *mask = m->mask.data;
        uint16_t *bg = m->background.data();
        uint8_t *chg = m->changed.data;
        int count = 0, sum = 0;
        for (int i = 0; i < n; i++) {
            const int c = cur[i] << 7, b = bg[i];
            const int d = std::abs(c - b);
            const int on = (d > threshold) & (mask[i] != 0);
            chg[i] = static_cast<uint8_t>(-on);
            count += on;
            sum += (d >> 7) & -on;
            bg[i] = static_cast<uint16_t>(b + (((c - b) * alpha) >> 16));
        }
        if (calibrating) {
            m->calibration_left--;
            out->calibrating = 1;
            return 0;
        }
        const double share = m->mask_pixels > 0 ? static_cast<double>(count) / m->mask_pixels : 0;
        if (share > m->config.lightning_threshold) {
            reset_background(m);
            m->calibration_left = m->config.calibration_frames;
            out->lightning = 1;
            return 0;
        }
        if (count == 0) return 0;
        dilate(m);
        cv::findContours(m->dilated, m->contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
        std::vector<std::pair<double, cv::Rect>> kept;
        double area = 0;
        for (const auto &contour : m->contours) {
            double a = cv::contourArea(contour);
            if (a < m->config.contour_area) continue;
            kept.emplace_back(a, cv::boundingRect(contour));
            area += a;
        }
        if (kept.empty()) return 0;
        std::sort(kept.begin(), kept.end(), [](const auto &l, const auto &r) { return l.first > r.first; });
        out->affected_area_percentage = std::min(100.0, 100.0 * area / std::max(1, m->mask_pixels));
        out->motion_intensity = std::min(1.0, static_cast<double>(sum) / count / 255.0);
        out->box_count = static_cast<int>(std::min<size_t>(kept.size(), VV_MOTION_MAX_BOXES));
        for (int i = 0; i < out->box_count; i++) {
            const cv::Rect &r = kept[i].second;
            out->boxes[i][0] = static_cast<float>(r.x) / m->width;
            out->boxes[i][1] = static_cast<float>(r.y) / m->height;
            out->boxes[i][2] = static_cast<float>(r.width) / m->width;
            out->boxes[i][3] = static_cast<float>(r.height) / m->height;
        }
        return 0;
    } catch (...) {
        return -1;
    }
}
