// Object detection backends behind vv_detector (detect.cpp): each turns a BGR picture, or parts of
// it, into boxes in that picture's pixels. Region handling (padding, merging) is shared here.
#pragma once
#include "vigil_vision.h"

#include <memory>
#include <string>
#include <vector>
#include <opencv2/core.hpp>

namespace vv {

// A box found by a backend, in pixels of the frame it was given.
struct Found {
    cv::Rect2f box;
    float confidence = 0;
    int class_id = 0;
};

// One backend. Created with its config (files loaded, failures thrown as std::runtime_error with
// a message for the operator); then detect() is called per area to search.
class Backend {
public:
    virtual ~Backend() = default;
    // Objects inside `area` of `bgr` (the whole frame when area covers it); boxes in frame pixels.
    virtual void detect(const cv::Mat &bgr, const cv::Rect &area, std::vector<Found> &out) = 0;
    // The smallest area worth searching, px (e.g. the HOG window before upscaling).
    virtual cv::Size min_area() const { return {32, 32}; }
    // True when the backend must see every whole frame (a background model): regions are ignored.
    virtual bool whole_frame_only() const { return false; }
    // True when one call per area costs the same whatever its size (a network with a fixed
    // input): the areas are joined into the one rectangle holding them all.
    virtual bool one_area() const { return false; }
    // Where the last whole-frame call looked (foreground: nowhere on a frame-wide change).
    virtual bool looked() const { return true; }
    // Foreground: boxes (frame pixels) where still objects stand.
    virtual void set_frozen(const std::vector<cv::Rect> &) {}
};

std::unique_ptr<Backend> make_hog(const vv_detector_config &c);
std::unique_ptr<Backend> make_cascade(const vv_detector_config &c);
std::unique_ptr<Backend> make_foreground(const vv_detector_config &c);
std::unique_ptr<Backend> make_onnx(const vv_detector_config &c, int &layout);

// Regions (normalised x, y, w, h) to search in a w x h frame: padded by `padding` of their size,
// grown to at least `min_size`, clamped, and merged while any two overlap. When they cover more
// than `full_share` of the frame, the whole frame is returned.
std::vector<cv::Rect> search_areas(const float *regions, int count, int width, int height, double padding,
                                   cv::Size min_size, double full_share = 0.6);

// Greedy non-maximum suppression within each class: keeps the best box of every group whose IoU
// exceeds `threshold`. Sorts `found` by confidence, best first.
void suppress(std::vector<Found> &found, float threshold);

}  // namespace vv
