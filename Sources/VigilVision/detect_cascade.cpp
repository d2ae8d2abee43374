// The cascade backend: any Haar or LBP cascade XML (e.g. Debian's opencv-data fullbody or
// upperbody) through cv::CascadeClassifier, on the equalised grey picture of each area. A cascade
// gives no score: the confidence grows with the number of neighbouring hits (1 - 1/(1 + hits)).
#include "detect.hpp"

#include <fstream>
#include <stdexcept>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

namespace {
class CascadeBackend final : public vv::Backend {
public:
    explicit CascadeBackend(const vv_detector_config &c) : config_(c) {
        std::string path = c.cascade_path ? c.cascade_path : "";
        if (path.empty()) throw std::runtime_error("path: required for the cascade backend (a Haar or LBP cascade XML)");
        if (!std::ifstream(path).good()) throw std::runtime_error("path: " + path + " does not exist or cannot be read");
        if (!(c.cascade_scale_step > 1.0 && c.cascade_scale_step <= 2)) throw std::runtime_error("scale_step: must be more than 1 and at most 2");
        if (c.cascade_min_neighbors < 0) throw std::runtime_error("min_neighbors: must be 0 or more");
        if (c.cascade_min_width < 0 || c.cascade_min_height < 0) throw std::runtime_error("min_size: must be 0 or more");
        bool loaded = false;
        try {
            loaded = cascade_.load(path);
        } catch (const cv::Exception &e) {
            throw std::runtime_error("path: " + path + " is not a Haar or LBP cascade (OpenCV: " + e.err + ")");
        }
        if (!loaded || cascade_.empty()) throw std::runtime_error("path: " + path + " is not a Haar or LBP cascade XML");
        window_ = cascade_.getOriginalWindowSize();
    }

    cv::Size min_area() const override {
        return {std::max(window_.width, config_.cascade_min_width) + 2, std::max(window_.height, config_.cascade_min_height) + 2};
    }

    void detect(const cv::Mat &bgr, const cv::Rect &area, std::vector<vv::Found> &out) override {
        cv::cvtColor(bgr(area), gray_, cv::COLOR_BGR2GRAY);
        cv::equalizeHist(gray_, gray_);
        rects_.clear();
        hits_.clear();
        cascade_.detectMultiScale(gray_, rects_, hits_, config_.cascade_scale_step, config_.cascade_min_neighbors, 0,
                                  cv::Size(config_.cascade_min_width, config_.cascade_min_height));
        for (size_t i = 0; i < rects_.size(); ++i) {
            const cv::Rect &r = rects_[i];
            int hits = i < hits_.size() ? hits_[i] : 1;
            out.push_back({cv::Rect2f(float(area.x + r.x), float(area.y + r.y), float(r.width), float(r.height)),
                           1.0f - 1.0f / float(1 + std::max(hits, 0)), 0});
        }
    }

private:
    vv_detector_config config_;
    cv::CascadeClassifier cascade_;
    cv::Size window_;
    cv::Mat gray_;
    std::vector<cv::Rect> rects_;
    std::vector<int> hits_;
};
}  // namespace

std::unique_ptr<vv::Backend> vv::make_cascade(const vv_detector_config &c) { return std::make_unique<CascadeBackend>(c); }
