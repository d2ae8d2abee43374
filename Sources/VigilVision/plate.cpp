// The C boundary of the plate pipeline (vigil_plate.h).
#include "vigil_plate.h"
#include "common.hpp"
#include "plate_internal.hpp"

#include <algorithm>
#include <memory>
#include <opencv2/imgproc.hpp>

using namespace vv::plate;

struct vv_plate {
    struct Variant {
        cv::Mat clean;
        std::vector<cv::Rect> boxes;
        std::vector<cv::Mat> images;
    };
    bool darkText = true;
    std::vector<Variant> variants;
    float corners[8] = {0};
};

namespace {

std::string checkPixels(const uint8_t *pixels, int width, int height, int stride, int channels) {
    if (!pixels) return "pixels are NULL";
    if (width < 1 || height < 1) return "image size " + std::to_string(width) + "x" + std::to_string(height) + " is empty";
    if (channels != 1 && channels != 3 && channels != 4) return std::to_string(channels) + " channels (1, 3 or 4 expected)";
    if (long(stride) < long(width) * channels) return "stride " + std::to_string(stride) + " is shorter than a row";
    return "";
}

// The gray pixels of `area` of the caller's image (a view for gray input, a conversion otherwise).
cv::Mat grayOf(const uint8_t *pixels, int width, int height, int stride, int channels, const cv::Rect &area) {
    const cv::Mat all(height, width, CV_8UC(channels), const_cast<uint8_t *>(pixels), size_t(stride));
    const cv::Mat part = all(area);
    if (channels == 1) return part;
    cv::Mat gray;
    cv::cvtColor(part, gray, channels == 3 ? cv::COLOR_BGR2GRAY : cv::COLOR_BGRA2GRAY);
    return gray;
}

}  // namespace

extern "C" void vv_plate_locate_config_default(vv_plate_locate_config *config) {
    if (!config) return;
    config->min_char_height = 10;
    config->max_char_height = 110;
    config->max_candidates = 8;
}

extern "C" int vv_plate_locate(const uint8_t *pixels, int width, int height, int stride, int channels,
                               const int *rois, int roi_count, const vv_plate_locate_config *config,
                               vv_plate_candidate *out, int max, char *err, size_t errlen) {
    return vv::guarded<int>(err, errlen, "plate locate", -1, [&]() -> int {
        const std::string bad = checkPixels(pixels, width, height, stride, channels);
        if (!bad.empty()) { vv::fail(err, errlen, "plate locate: " + bad); return -1; }
        vv_plate_locate_config c;
        vv_plate_locate_config_default(&c);
        if (config) c = *config;
        if (c.min_char_height < 4 || c.max_char_height < c.min_char_height) {
            vv::fail(err, errlen, "plate locate: character heights " + std::to_string(c.min_char_height) + "-" +
                                      std::to_string(c.max_char_height) + " px are not usable (min at least 4, max at least min)");
            return -1;
        }
        const cv::Rect frame(0, 0, width, height);
        std::vector<cv::Rect> areas;
        for (int i = 0; rois && i < roi_count; i++) {
            const cv::Rect r = cv::Rect(rois[4 * i], rois[4 * i + 1], rois[4 * i + 2], rois[4 * i + 3]) & frame;
            if (r.area() > 0) areas.push_back(r);
        }
        if (rois && roi_count > 0 && areas.empty()) return 0;
        // one gray conversion of the smallest rectangle holding every area
        cv::Rect hull = areas.empty() ? frame : areas[0];
        for (const cv::Rect &r : areas) hull |= r;
        const cv::Mat gray = grayOf(pixels, width, height, stride, channels, hull);
        for (cv::Rect &r : areas) r -= hull.tl();
        std::vector<Row> rows = locateRows(gray, areas, c.min_char_height, c.max_char_height);
        const int n = std::min({int(rows.size()), max, c.max_candidates});
        for (int i = 0; i < n; i++) {
            const cv::Rect b = rows[i].box + hull.tl();
            out[i] = {b.x, b.y, b.width, b.height, float(rows[i].charHeight), rows[i].count, float(rows[i].score)};
        }
        return std::max(n, 0);
    });
}

extern "C" vv_plate *vv_plate_prepare(const uint8_t *pixels, int width, int height, int stride, int channels,
                                      int x, int y, int box_width, int box_height, float char_height,
                                      char *err, size_t errlen) {
    return vv::guarded<vv_plate *>(err, errlen, "plate prepare", nullptr, [&]() -> vv_plate * {
        const std::string bad = checkPixels(pixels, width, height, stride, channels);
        if (!bad.empty()) { vv::fail(err, errlen, "plate prepare: " + bad); return nullptr; }
        if (box_width < 1 || box_height < 1) { vv::fail(err, errlen, "plate prepare: the box is empty"); return nullptr; }
        // A candidate row gets room for the characters its blobs missed; a plate box a small margin.
        cv::Rect area;
        if (char_height > 0) {
            const double h = char_height;
            area = cv::Rect(int(x - 1.5 * h), int(y - 0.6 * h), int(box_width + 3 * h), int(box_height + 1.2 * h));
        } else {
            area = plateBoxArea(cv::Rect(x, y, box_width, box_height));
        }
        area &= cv::Rect(0, 0, width, height);
        auto plate = std::make_unique<vv_plate>();
        if (area.width < 8 || area.height < 8) return plate.release();
        const double scale = 100.0 / area.height;
        cv::Mat crop;
        cv::resize(grayOf(pixels, width, height, stride, channels, area), crop, cv::Size(), scale, scale,
                   scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
        const TextLine line = findTextLine(crop);
        if (!line.found) return plate.release();
        cv::Mat toCrop;
        const cv::Mat band = rectifyLine(crop, line, &toCrop);
        plate->darkText = line.darkText;
        int left = band.cols, right = 0;
        for (const cv::Mat &bin : binarizeBand(band, line.darkText)) {
            vv_plate::Variant v;
            // characters standing on a frame's bar: nothing below them is a character
            v.boxes = segmentBand(bin, kMargin, kMargin + kCharHeight, line.onBar ? kMargin + kCharHeight : bin.rows, &v.clean);
            for (const cv::Rect &b : v.boxes) {
                v.images.push_back(characterImage(v.clean, b, kMargin, kMargin + kCharHeight));
                left = std::min(left, b.x);
                right = std::max(right, b.x + b.width);
            }
            plate->variants.push_back(std::move(v));
        }
        if (left > right) { left = 0; right = band.cols; }
        const double bx[4] = {double(left), double(right), double(right), double(left)};
        const double by[4] = {double(kMargin), double(kMargin), double(kMargin + kCharHeight), double(kMargin + kCharHeight)};
        for (int i = 0; i < 4; i++) {
            const double cx = toCrop.at<double>(0, 0) * bx[i] + toCrop.at<double>(0, 1) * by[i] + toCrop.at<double>(0, 2);
            const double cy = toCrop.at<double>(1, 0) * bx[i] + toCrop.at<double>(1, 1) * by[i] + toCrop.at<double>(1, 2);
            plate->corners[2 * i] = float(area.x + cx / scale);
            plate->corners[2 * i + 1] = float(area.y + cy / scale);
        }
        return plate.release();
    });
}

extern "C" int vv_plate_variant_count(const vv_plate *plate) { return plate ? int(plate->variants.size()) : 0; }

extern "C" int vv_plate_dark_text(const vv_plate *plate) { return plate && plate->darkText ? 1 : 0; }

extern "C" void vv_plate_corners(const vv_plate *plate, float out[8]) {
    for (int i = 0; i < 8; i++) out[i] = plate ? plate->corners[i] : 0;
}

extern "C" int vv_plate_char_count(const vv_plate *plate, int variant) {
    if (!plate || variant < 0 || variant >= int(plate->variants.size())) return 0;
    return int(plate->variants[variant].boxes.size());
}

extern "C" void vv_plate_char_box(const vv_plate *plate, int variant, int index, int out[4]) {
    out[0] = out[1] = out[2] = out[3] = 0;
    if (index < 0 || index >= vv_plate_char_count(plate, variant)) return;
    const cv::Rect &b = plate->variants[variant].boxes[index];
    out[0] = b.x; out[1] = b.y; out[2] = b.width; out[3] = b.height;
}

extern "C" const uint8_t *vv_plate_char_image(const vv_plate *plate, int variant, int index, int *width, int *height,
                                              int *stride) {
    if (index < 0 || index >= vv_plate_char_count(plate, variant)) return nullptr;
    const cv::Mat &m = plate->variants[variant].images[index];
    *width = m.cols; *height = m.rows; *stride = int(m.step);
    return m.data;
}

extern "C" const uint8_t *vv_plate_band_image(const vv_plate *plate, int variant, int *width, int *height, int *stride) {
    if (!plate || variant < 0 || variant >= int(plate->variants.size())) return nullptr;
    const cv::Mat &m = plate->variants[variant].clean;
    *width = m.cols; *height = m.rows; *stride = int(m.step);
    return m.data;
}

extern "C" void vv_plate_free(vv_plate *plate) { delete plate; }
