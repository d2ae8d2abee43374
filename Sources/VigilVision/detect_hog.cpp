// The hog backend: OpenCV's HOG people detector (Dalal-Triggs, the default 64x128 model, or
// Daimler's 48x96 one) over an enlarged copy of each area, so people shorter than the window
// are found too. The SVM distance d becomes a confidence 1 / (1 + e^-d) (0.5 at the boundary).
#include "detect.hpp"

#include <cmath>
#include <stdexcept>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

namespace {
class HOGBackend final : public vv::Backend {
public:
    explicit HOGBackend(const vv_detector_config &c) : config_(c) {
        if (!(c.hog_upscale >= 0.25 && c.hog_upscale <= 4)) throw std::runtime_error("upscale: must be 0.25 to 4");
        if (!(c.hog_scale_step > 1.0 && c.hog_scale_step <= 2)) throw std::runtime_error("scale_step: must be more than 1 and at most 2");
        if (!(std::abs(c.hog_hit_threshold) <= 10)) throw std::runtime_error("hit_threshold: must be -10 to 10");
        if (c.hog_daimler) {
            hog_ = cv::HOGDescriptor(cv::Size(48, 96), cv::Size(16, 16), cv::Size(8, 8), cv::Size(8, 8), 9);
            hog_.setSVMDetector(cv::HOGDescriptor::getDaimlerPeopleDetector());
        } else {
            hog_.setSVMDetector(cv::HOGDescriptor::getDefaultPeopleDetector());
        }
    }

    cv::Size min_area() const override {
        return {int(std::ceil(hog_.winSize.width / config_.hog_upscale)) + 2,
                int(std::ceil(hog_.winSize.height / config_.hog_upscale)) + 2};
    }

    void detect(const cv::Mat &bgr, const cv::Rect &area, std::vector<vv::Found> &out) override {
        double up = config_.hog_upscale;
        cv::Mat crop = bgr(area);
        if (up != 1.0) {
            cv::resize(crop, scaled_, cv::Size(), up, up, up > 1 ? cv::INTER_LINEAR : cv::INTER_AREA);
        } else {
            scaled_ = crop;
        }
        if (scaled_.cols < hog_.winSize.width || scaled_.rows < hog_.winSize.height) return;
        rects_.clear();
        weights_.clear();
        hog_.detectMultiScale(scaled_, rects_, weights_, config_.hog_hit_threshold, cv::Size(8, 8), cv::Size(0, 0),
                              config_.hog_scale_step, 2.0, false);
        for (size_t i = 0; i < rects_.size(); ++i) {
            // The model's window has a margin around the person (OpenCV's peopledetect sample trims it the same way).
            const cv::Rect &r = rects_[i];
            cv::Rect2f person(float(r.x + r.width * 0.1), float(r.y + r.height * 0.07), float(r.width * 0.8), float(r.height * 0.8));
            cv::Rect2f box(area.x + person.x / float(up), area.y + person.y / float(up), person.width / float(up), person.height / float(up));
            double w = i < weights_.size() ? weights_[i] : 0.0;
            out.push_back({box, float(1.0 / (1.0 + std::exp(-w))), 0});
        }
    }

private:
    vv_detector_config config_;
    cv::HOGDescriptor hog_;
    cv::Mat scaled_;
    std::vector<cv::Rect> rects_;
    std::vector<double> weights_;
};
}  // namespace

std::unique_ptr<vv::Backend> vv::make_hog(const vv_detector_config &c) { return std::make_unique<HOGBackend>(c); }
