// Snapshot boxes and appearance patches for the tracker.
#include "vigil_vision.h"
#include "common.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace {
cv::Rect pixel_rect(int width, int height, float x, float y, float w, float h) {
    int x0 = int(std::floor(x * width)), y0 = int(std::floor(y * height));
    int x1 = int(std::ceil((x + w) * width)), y1 = int(std::ceil((y + h) * height));
    return cv::Rect(x0, y0, x1 - x0, y1 - y0) & cv::Rect(0, 0, width, height);
}
}  // namespace

extern "C" void vv_draw_box(uint8_t *pixels, int width, int height, int stride, int channels,
                            float x, float y, float w, float h, const char *label) {
    if (!pixels || width <= 0 || height <= 0 || (channels != 1 && channels != 3 && channels != 4)) return;
    try {
        cv::Mat image(height, width, CV_8UC(channels), pixels, size_t(stride));
        cv::Rect r = pixel_rect(width, height, x, y, w, h);
        if (r.area() <= 0) return;
        cv::Scalar colour = channels == 1 ? cv::Scalar(255) : cv::Scalar(0, 255, 0, 255);
        cv::rectangle(image, r, colour, 2);
        if (label && *label) {
            int baseline = 0;
            cv::Size text = cv::getTextSize(label, cv::FONT_HERSHEY_SIMPLEX, 0.5, 1, &baseline);
            int ty = r.y - 4 >= text.height ? r.y - 4 : std::min(height - 1, r.y + r.height + text.height + 4);
            cv::putText(image, label, cv::Point(r.x, ty), cv::FONT_HERSHEY_SIMPLEX, 0.5, colour, 1, cv::LINE_AA);
        }
    } catch (...) {
        // Drawing is best effort: a snapshot without its box is still a snapshot.
    }
}

extern "C" int vv_patch_gray(const uint8_t *pixels, int width, int height, int stride, int channels,
                             float x, float y, float w, float h, int size, float *out) {
    if (!pixels || !out || size < 2 || width <= 0 || height <= 0 || (channels != 1 && channels != 3 && channels != 4)) return -1;
    try {
        cv::Mat image(height, width, CV_8UC(channels), const_cast<uint8_t *>(pixels), size_t(stride));
        cv::Rect r = pixel_rect(width, height, x, y, w, h);
        if (r.width < 2 || r.height < 2) return -1;
        cv::Mat gray, small;
        if (channels == 1) gray = image(r);
        else cv::cvtColor(image(r), gray, channels == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
        cv::resize(gray, small, cv::Size(size, size), 0, 0, cv::INTER_AREA);
        for (int i = 0; i < size; ++i) {
            const uint8_t *row = small.ptr<uint8_t>(i);
            for (int j = 0; j < size; ++j) out[i * size + j] = float(row[j]);
        }
        return 0;
    } catch (...) {
        return -1;
    }
}
