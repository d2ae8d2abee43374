// The onnx backend: a YOLOv5- or YOLOv8-layout model the user brings, run by OpenCV DNN on a
// letterboxed copy of each area (RGB, 0-1). YOLOv8 outputs 1 x (4 + classes) x N (centre x,
// centre y, width, height in input pixels, then one score per class); YOLOv5 outputs
// 1 x N x (5 + classes) (the same box, an objectness, then class scores multiplied by it).
// At load the model is run once on a blank input, and its output shape must fit the number of
// class names the user gave: a wrong list is one clear error, not silent nonsense later.
#include "detect.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

namespace {
std::string shape_of(const cv::Mat &m) {
    std::ostringstream s;
    for (int i = 0; i < m.dims; ++i) s << (i ? " x " : "") << m.size[i];
    return s.str();
}

class ONNXBackend final : public vv::Backend {
public:
    ONNXBackend(const vv_detector_config &c, int &layout) : config_(c), input_(c.onnx_input_width, c.onnx_input_height) {
        std::string path = c.onnx_path ? c.onnx_path : "";
        if (path.empty()) throw std::runtime_error("model_path: required for the onnx backend");
        if (!std::ifstream(path).good()) throw std::runtime_error("model_path: " + path + " does not exist or cannot be read");
        if (c.onnx_input_width < 32 || c.onnx_input_height < 32 || c.onnx_input_width > 4096 || c.onnx_input_height > 4096)
            throw std::runtime_error("input_size: must be 32 to 4096 pixels on each side");
        if (c.onnx_class_count < 1) throw std::runtime_error("class_names: at least one class name is required");
        if (!(c.onnx_confidence > 0 && c.onnx_confidence <= 1)) throw std::runtime_error("confidence_threshold: must be more than 0 and at most 1");
        if (!(c.onnx_nms > 0 && c.onnx_nms <= 1)) throw std::runtime_error("nms_threshold: must be more than 0 and at most 1");
        if (c.onnx_layout != 0 && c.onnx_layout != 5 && c.onnx_layout != 8) throw std::runtime_error("layout: must be auto, yolov5 or yolov8");
        try {
            net_ = cv::dnn::readNetFromONNX(path);
        } catch (const cv::Exception &e) {
            throw std::runtime_error("model_path: " + path + " is not an ONNX model OpenCV can read (OpenCV: " + e.err + ")");
        }
        if (net_.empty()) throw std::runtime_error("model_path: " + path + " is not an ONNX model OpenCV can read");
        net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
        net_.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
        cv::Mat probe;
        try {
            net_.setInput(cv::Mat::zeros(4, std::vector<int>{1, 3, input_.height, input_.width}.data(), CV_32F));
            probe = net_.forward();
        } catch (const cv::Exception &e) {
            throw std::runtime_error("model_path: " + path + " does not run on a 1 x 3 x " + std::to_string(input_.height) + " x " +
                                     std::to_string(input_.width) + " input (input_size) (OpenCV: " + e.err + ")");
        }
        layout_ = pick_layout(probe, c.onnx_class_count, c.onnx_layout);
        layout = layout_;
    }

    bool one_area() const override { return true; }
    cv::Size min_area() const override { return {input_.width / 4, input_.height / 4}; }

    void detect(const cv::Mat &bgr, const cv::Rect &area, std::vector<vv::Found> &out) override {
        cv::Mat crop = bgr(area);
        double r = std::min(double(input_.width) / crop.cols, double(input_.height) / crop.rows);
        int w = std::max(1, int(std::lround(crop.cols * r))), h = std::max(1, int(std::lround(crop.rows * r)));
        int px = (input_.width - w) / 2, py = (input_.height - h) / 2;
        canvas_.create(input_, CV_8UC3);
        canvas_.setTo(cv::Scalar(114, 114, 114));
        cv::resize(crop, canvas_(cv::Rect(px, py, w, h)), cv::Size(w, h), 0, 0, r < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
        cv::dnn::blobFromImage(canvas_, blob_, 1.0 / 255, input_, cv::Scalar(), true, false, CV_32F);
        net_.setInput(blob_);
        cv::Mat output = net_.forward();
        std::vector<vv::Found> found;
        decode(output, [&](float cx, float cy, float bw, float bh, float score, int cls) {
            float x = float((cx - bw / 2 - px) / r) + area.x, y = float((cy - bh / 2 - py) / r) + area.y;
            cv::Rect2f box(x, y, float(bw / r), float(bh / r));
            box &= cv::Rect2f(0, 0, float(bgr.cols), float(bgr.rows));
            if (box.area() > 0) found.push_back({box, score, cls});
        });
        vv::suppress(found, float(config_.onnx_nms));
        out.insert(out.end(), found.begin(), found.end());
    }

private:
    // Rows of candidates: YOLOv8 1 x (4 + n) x N, YOLOv5 1 x N x (5 + n).
    static int pick_layout(const cv::Mat &out, int classes, int wanted) {
        int a = out.dims == 3 ? out.size[1] : out.dims == 2 ? out.size[0] : -1;
        int b = out.dims == 3 ? out.size[2] : out.dims == 2 ? out.size[1] : -1;
        bool v8 = a == 4 + classes, v5 = b == 5 + classes;
        if ((wanted == 8 && v8) || (wanted == 5 && v5)) return wanted;
        if (wanted == 0 && v8 && v5)
            throw std::runtime_error("layout: the model's output " + shape_of(out) + " fits both YOLOv5 and YOLOv8 with " +
                                     std::to_string(classes) + " classes: set layout to yolov5 or yolov8");
        if (wanted == 0 && v8) return 8;
        if (wanted == 0 && v5) return 5;
        std::string fits;
        if (a > 4) fits += "YOLOv8 with " + std::to_string(a - 4) + " classes";
        if (b > 5) fits += std::string(fits.empty() ? "" : " or ") + "YOLOv5 with " + std::to_string(b - 5) + " classes";
        throw std::runtime_error("class_names: " + std::to_string(classes) + " names, but the model's output is " + shape_of(out) +
                                 (wanted ? std::string(", which is not the ") + (wanted == 8 ? "YOLOv8" : "YOLOv5") + " layout for them" : "") +
                                 (fits.empty() ? " (neither YOLOv5 nor YOLOv8 layout)" : " (it fits " + fits + ")"));
    }

    template <typename Emit> void decode(const cv::Mat &out, Emit emit) const {
        const float *data = out.ptr<float>();
        int a = out.dims == 3 ? out.size[1] : out.size[0], b = out.dims == 3 ? out.size[2] : out.size[1];
        int classes = config_.onnx_class_count;
        float threshold = float(config_.onnx_confidence);
        if (layout_ == 8) {
            int n = b;  // column i is candidate i
            for (int i = 0; i < n; ++i) {
                int best = 0;
                float score = data[4 * n + i];
                for (int k = 1; k < classes; ++k) {
                    float s = data[(4 + k) * n + i];
                    if (s > score) { score = s; best = k; }
                }
                if (score >= threshold) emit(data[i], data[n + i], data[2 * n + i], data[3 * n + i], score, best);
            }
        } else {
            for (int i = 0; i < a; ++i) {
                const float *row = data + size_t(i) * b;
                if (row[4] < threshold) continue;
                int best = 0;
                for (int k = 1; k < classes; ++k) if (row[5 + k] > row[5 + best]) best = k;
                float score = row[4] * row[5 + best];
                if (score >= threshold) emit(row[0], row[1], row[2], row[3], score, best);
            }
        }
    }

    vv_detector_config config_;
    cv::Size input_;
    cv::dnn::Net net_;
    int layout_ = 0;
    cv::Mat canvas_, blob_;
};
}  // namespace

std::unique_ptr<vv::Backend> vv::make_onnx(const vv_detector_config &c, int &layout) { return std::make_unique<ONNXBackend>(c, layout); }
