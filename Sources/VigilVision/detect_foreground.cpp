// The foreground backend: a background model (MOG2 or KNN) at a small working height, shadows
// left out, a morphological opening and closing, and 8-connected blobs of a minimum size. It
// needs no model file and finds anything that moves; a blob has no score (confidence 1). When
// more than fg_max_foreground of the frame changes at once (a light switched on, the camera
// moved) it reports nothing and says it did not look. Still objects named by set_frozen keep
// the background there: the model is fed its own background image in those boxes, so a parked
// car is never learnt, and when it drives off no "ghost" blob is left behind.
#include "detect.hpp"

#include <algorithm>
#include <stdexcept>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/background_segm.hpp>

namespace {
class ForegroundBackend final : public vv::Backend {
public:
    explicit ForegroundBackend(const vv_detector_config &c) : config_(c) {
        if (c.fg_history < 1 || c.fg_history > 100000) throw std::runtime_error("history: must be 1 to 100000");
        if (!(c.fg_threshold >= 0 && c.fg_threshold < 1e6)) throw std::runtime_error("threshold: must be 0 or more");
        if (c.fg_working_height < 16 || c.fg_working_height > 2160) throw std::runtime_error("working_height: must be 16 to 2160");
        if (!(c.fg_min_area >= 0 && c.fg_min_area < 1)) throw std::runtime_error("min_area: must be 0 to 1 (a share of the frame)");
        if (!(c.fg_learning_rate == -1 || (c.fg_learning_rate >= 0 && c.fg_learning_rate <= 1)))
            throw std::runtime_error("learning_rate: must be -1 (from history) or 0 to 1");
        if (!(c.fg_max_foreground > 0 && c.fg_max_foreground <= 1)) throw std::runtime_error("max_foreground: must be more than 0 and at most 1");
        if (c.fg_knn) {
            model_ = cv::createBackgroundSubtractorKNN(c.fg_history, c.fg_threshold > 0 ? c.fg_threshold : 400.0, c.fg_shadows != 0);
        } else {
            model_ = cv::createBackgroundSubtractorMOG2(c.fg_history, c.fg_threshold > 0 ? c.fg_threshold : 16.0, c.fg_shadows != 0);
        }
        open_ = cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3));
        close_ = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(5, 5));
    }

    bool whole_frame_only() const override { return true; }
    bool looked() const override { return looked_; }
    void set_frozen(const std::vector<cv::Rect> &boxes) override { frozen_ = boxes; }

    void detect(const cv::Mat &bgr, const cv::Rect &, std::vector<vv::Found> &out) override {
        int h = std::min(config_.fg_working_height, bgr.rows);
        int w = std::max(1, int(std::lround(double(bgr.cols) * h / bgr.rows)));
        if (w != small_.cols || h != small_.rows) { model_->clear(); reference_ = 0; }  // a new size starts a new model
        if (w == bgr.cols && h == bgr.rows) bgr.copyTo(small_);
        else cv::resize(bgr, small_, cv::Size(w, h), 0, 0, cv::INTER_LINEAR);
        double sx = double(w) / bgr.cols, sy = double(h) / bgr.rows;
        compensate_exposure();

        std::vector<cv::Rect> frozen;
        for (const auto &r : frozen_) {
            cv::Rect s(int(r.x * sx), int(r.y * sy), int(std::ceil(r.width * sx)) + 1, int(std::ceil(r.height * sy)) + 1);
            s &= cv::Rect(0, 0, w, h);
            if (s.area() > 0) frozen.push_back(s);
        }
        if (!frozen.empty() && started_) {
            model_->getBackgroundImage(background_);
            for (const auto &s : frozen) background_(s).copyTo(small_(s));
        }
        // MOG2/KNN's own rate (-1) is 1 / min(2 * frames, history): so fast at first that a car
        // stopping in the first minute melts into the background within a few frames. A constant
        // 1 / history after the first frame learns the scene as well and absorbs nothing that quickly.
        double rate = config_.fg_learning_rate >= 0 ? config_.fg_learning_rate : started_ ? 1.0 / config_.fg_history : -1;
        model_->apply(small_, mask_, rate);
        started_ = true;
        cv::threshold(mask_, mask_, 200, 255, cv::THRESH_BINARY);  // shadows are 127
        int changed = cv::countNonZero(mask_);
        looked_ = changed <= config_.fg_max_foreground * w * h;
        if (!looked_) return;
        if (changed == 0) return;
        cv::morphologyEx(mask_, mask_, cv::MORPH_OPEN, open_);
        cv::morphologyEx(mask_, mask_, cv::MORPH_CLOSE, close_);
        int n = cv::connectedComponentsWithStats(mask_, labels_, stats_, centroids_, 8, CV_32S);
        double min_pixels = std::max(2.0, config_.fg_min_area * w * h);
        for (int i = 1; i < n; ++i) {
            const int *s = stats_.ptr<int>(i);
            if (s[cv::CC_STAT_AREA] < min_pixels) continue;
            cv::Rect blob(s[cv::CC_STAT_LEFT], s[cv::CC_STAT_TOP], s[cv::CC_STAT_WIDTH], s[cv::CC_STAT_HEIGHT]);
            bool still = false;
            for (const auto &f : frozen) still = still || (blob & f).area() >= 0.8 * blob.area();
            if (still) continue;
            out.push_back({cv::Rect2f(float(blob.x / sx), float(blob.y / sy), float(blob.width / sx), float(blob.height / sy)), 1.0f, 0});
        }
    }

private:
    // Cameras change their exposure when something bright or dark fills the view (a white car
    // seen from above darkens the whole picture): the model would see a new scene. Each frame is
    // scaled so its median brightness matches a reference that follows the scene slowly (day to
    // night), within 0.5x to 2x. The median ignores objects covering less than half the frame.
    void compensate_exposure() {
        int histogram[256] = {0};
        const int n = small_.rows * small_.cols;
        for (int y = 0; y < small_.rows; ++y) {
            const uint8_t *p = small_.ptr<uint8_t>(y);
            for (int x = 0; x < small_.cols; ++x, p += 3) ++histogram[(p[0] + 2 * p[1] + p[2]) >> 2];
        }
        int median = 0;
        for (int count = 0; median < 255 && (count += histogram[median]) < n / 2;) ++median;
        if (median < 8) return;  // too dark to measure: leave it
        if (reference_ <= 0) reference_ = median;
        double gain = std::clamp(reference_ / median, 0.5, 2.0);
        reference_ += 0.002 * (median - reference_);
        if (std::abs(gain - 1.0) > 0.01) small_.convertTo(small_, -1, gain, 0);
    }

    double reference_ = 0;
    vv_detector_config config_;
    cv::Ptr<cv::BackgroundSubtractor> model_;
    cv::Mat small_, mask_, background_, labels_, stats_, centroids_, open_, close_;
    std::vector<cv::Rect> frozen_;
    bool looked_ = true, started_ = false;
};
}  // namespace

std::unique_ptr<vv::Backend> vv::make_foreground(const vv_detector_config &c) { return std::make_unique<ForegroundBackend>(c); }
