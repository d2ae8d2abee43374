// vv_detector: the C face of the detection backends (detect_hog.cpp, detect_cascade.cpp,
// detect_foreground.cpp, detect_onnx.cpp), the shared region handling and non-maximum suppression.
#include "vigil_vision.h"
#include "common.hpp"
#include "detect.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <opencv2/imgproc.hpp>

struct vv_detector {
    std::unique_ptr<vv::Backend> backend;
    vv_detector_config config{};
    int onnx_layout = 0;
    std::vector<cv::Rect> searched;  // areas of the last call, frame pixels
    cv::Size frame_size;
    std::vector<vv::Found> found;
    cv::Mat converted;                // BGRA or gray input converted to BGR
};

extern "C" void vv_detector_config_default(vv_detector_config *c) {
    *c = vv_detector_config{};
    c->backend = VV_DETECT_HOG;
    c->region_padding = 0.25;
    c->hog_upscale = 1.5;
    c->hog_scale_step = 1.2;
    c->cascade_scale_step = 1.1;
    c->cascade_min_neighbors = 3;
    c->fg_history = 500;
    c->fg_shadows = 1;
    c->fg_working_height = 96;
    c->fg_min_area = 0.0008;
    c->fg_learning_rate = -1;
    c->fg_max_foreground = 0.5;
    c->onnx_input_width = 640;
    c->onnx_input_height = 640;
    c->onnx_confidence = 0.25;
    c->onnx_nms = 0.45;
}

extern "C" vv_detector *vv_detector_create(const vv_detector_config *c, char *err, size_t errlen) {
    return vv::guarded<vv_detector *>(err, errlen, "detector", nullptr, [&]() -> vv_detector * {
        try {
            if (!c) throw std::runtime_error("detector config is NULL");
            if (!(c->region_padding >= 0 && c->region_padding <= 4)) throw std::runtime_error("region_padding: must be 0 to 4");
            auto d = std::make_unique<vv_detector>();
            d->config = *c;
            switch (c->backend) {
            case VV_DETECT_HOG: d->backend = vv::make_hog(*c); break;
            case VV_DETECT_CASCADE: d->backend = vv::make_cascade(*c); break;
            case VV_DETECT_FOREGROUND: d->backend = vv::make_foreground(*c); break;
            case VV_DETECT_ONNX: d->backend = vv::make_onnx(*c, d->onnx_layout); break;
            default: throw std::runtime_error("backend must be hog, cascade, foreground or onnx");
            }
            d->config.cascade_path = nullptr;  // not kept: the caller owns the strings
            d->config.onnx_path = nullptr;
            return d.release();
        } catch (const std::runtime_error &e) {
            vv::fail(err, errlen, e.what());
            return nullptr;
        }
    });
}

extern "C" int vv_detector_onnx_layout(const vv_detector *d) { return d ? d->onnx_layout : 0; }

extern "C" int vv_detector_detect(vv_detector *d, const uint8_t *pixels, int width, int height, int stride, int channels,
                                  const float *regions, int region_count, vv_detection *out, int capacity,
                                  char *err, size_t errlen) {
    return vv::guarded<int>(err, errlen, "detect", -1, [&]() -> int {
        if (!d || !pixels || width <= 0 || height <= 0 || (channels != 1 && channels != 3 && channels != 4)
            || stride < width * channels || (capacity > 0 && !out) || region_count < 0 || (region_count > 0 && !regions)) {
            vv::fail(err, errlen, "detect: bad arguments");
            return -1;
        }
        cv::Mat input(height, width, CV_8UC(channels), const_cast<uint8_t *>(pixels), size_t(stride));
        const cv::Mat *bgr = &input;
        if (channels != 3) {
            cv::cvtColor(input, d->converted, channels == 4 ? cv::COLOR_BGRA2BGR : cv::COLOR_GRAY2BGR);
            bgr = &d->converted;
        }
        d->frame_size = {width, height};
        d->found.clear();
        d->searched.clear();
        cv::Rect whole(0, 0, width, height);
        if (d->backend->whole_frame_only() || region_count == 0) {
            d->backend->detect(*bgr, whole, d->found);
            if (d->backend->looked()) d->searched.push_back(whole);
        } else {
            d->searched = vv::search_areas(regions, region_count, width, height, d->config.region_padding,
                                           d->backend->min_area());
            if (d->backend->one_area() && d->searched.size() > 1) {
                cv::Rect all = d->searched[0];
                for (const auto &r : d->searched) all |= r;
                d->searched = {all};
            }
            for (const auto &area : d->searched) d->backend->detect(*bgr, area, d->found);
            if (d->searched.size() > 1) vv::suppress(d->found, 0.5f);
        }
        std::sort(d->found.begin(), d->found.end(), [](const vv::Found &a, const vv::Found &b) { return a.confidence > b.confidence; });
        int n = int(d->found.size());
        for (int i = 0; i < std::min(n, capacity); ++i) {
            const auto &f = d->found[i];
            out[i] = vv_detection{f.box.x / width, f.box.y / height, f.box.width / width, f.box.height / height,
                                  std::clamp(f.confidence, 0.0f, 1.0f), f.class_id};
        }
        return n;
    });
}

extern "C" int vv_detector_searched(const vv_detector *d, float *out, int capacity) {
    if (!d || d->frame_size.width <= 0) return 0;
    int n = int(d->searched.size());
    for (int i = 0; i < std::min(n, capacity); ++i) {
        const auto &r = d->searched[i];
        out[i * 4] = float(r.x) / d->frame_size.width;
        out[i * 4 + 1] = float(r.y) / d->frame_size.height;
        out[i * 4 + 2] = float(r.width) / d->frame_size.width;
        out[i * 4 + 3] = float(r.height) / d->frame_size.height;
    }
    return n;
}

extern "C" void vv_detector_set_frozen(vv_detector *d, const float *boxes, int count) {
    if (!d || d->frame_size.width <= 0) return;
    std::vector<cv::Rect> rects;
    cv::Rect whole(0, 0, d->frame_size.width, d->frame_size.height);
    for (int i = 0; boxes && i < count; ++i) {
        cv::Rect r(int(std::floor(boxes[i * 4] * d->frame_size.width)), int(std::floor(boxes[i * 4 + 1] * d->frame_size.height)),
                   int(std::ceil(boxes[i * 4 + 2] * d->frame_size.width)), int(std::ceil(boxes[i * 4 + 3] * d->frame_size.height)));
        r &= whole;
        if (r.area() > 0) rects.push_back(r);
    }
    d->backend->set_frozen(rects);
}

extern "C" void vv_detector_free(vv_detector *d) { delete d; }

namespace vv {

std::vector<cv::Rect> search_areas(const float *regions, int count, int width, int height, double padding,
                                   cv::Size min_size, double full_share) {
    cv::Rect whole(0, 0, width, height);
    std::vector<cv::Rect> areas;
    for (int i = 0; i < count; ++i) {
        double w = regions[i * 4 + 2] * width, h = regions[i * 4 + 3] * height;
        double cx = regions[i * 4] * width + w / 2, cy = regions[i * 4 + 1] * height + h / 2;
        w = std::max(w * (1 + 2 * padding), double(min_size.width));
        h = std::max(h * (1 + 2 * padding), double(min_size.height));
        // Keep the grown size where the frame allows by shifting the area back inside it.
        double x0 = std::clamp(cx - w / 2, 0.0, std::max(0.0, width - w)), y0 = std::clamp(cy - h / 2, 0.0, std::max(0.0, height - h));
        cv::Rect r(int(std::floor(x0)), int(std::floor(y0)), int(std::ceil(w)), int(std::ceil(h)));
        r &= whole;
        if (r.area() > 0) areas.push_back(r);
    }
    for (bool merged = true; merged;) {
        merged = false;
        for (size_t i = 0; i < areas.size() && !merged; ++i)
            for (size_t j = i + 1; j < areas.size() && !merged; ++j)
                if ((areas[i] & areas[j]).area() > 0) {
                    areas[i] |= areas[j];
                    areas.erase(areas.begin() + long(j));
                    merged = true;
                }
    }
    double covered = 0;
    for (const auto &r : areas) covered += r.area();
    if (covered > full_share * width * height) return {whole};
    return areas;
}

void suppress(std::vector<Found> &found, float threshold) {
    std::sort(found.begin(), found.end(), [](const Found &a, const Found &b) { return a.confidence > b.confidence; });
    std::vector<Found> kept;
    for (const auto &f : found) {
        bool keep = true;
        for (const auto &k : kept) {
            if (k.class_id != f.class_id) continue;
            float overlap = (k.box & f.box).area();
            float iou = overlap / (k.box.area() + f.box.area() - overlap);
            if (iou > threshold) { keep = false; break; }
        }
        if (keep) kept.push_back(f);
    }
    found.swap(kept);
}

}  // namespace vv
