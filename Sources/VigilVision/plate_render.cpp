// Synthetic plate scenes for tests: text on a framed plate, rotated into a cluttered picture, blurred
// and noisy.
#include "vigil_plate.h"
#include "common.hpp"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>
#include <opencv2/imgproc.hpp>

namespace {

void clutter(cv::Mat &scene, cv::RNG &rng) {
    for (int y = 0; y < scene.rows; y++) scene.row(y).setTo(cv::Scalar::all(60 + 80.0 * y / scene.rows));
    for (int i = 0; i < 25; i++) {
        const cv::Point a(rng.uniform(0, scene.cols), rng.uniform(0, scene.rows));
        const cv::Point b(rng.uniform(0, scene.cols), rng.uniform(0, scene.rows));
        const cv::Scalar colour(rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255));
        if (i % 2) cv::rectangle(scene, a, b, colour, cv::FILLED);
        else cv::line(scene, a, b, colour, rng.uniform(1, 6));
    }
}

}  // namespace

extern "C" int vv_plate_render_scene(const char *text, const vv_plate_scene_config *config, uint8_t *out, int box[4],
                                     char *err, size_t errlen) {
    return vv::guarded<int>(err, errlen, "plate scene", -1, [&]() -> int {
        if (!text || !config || !out || !box) { vv::fail(err, errlen, "plate scene: NULL argument"); return -1; }
        const int pw = config->plate_width, ph = int(std::lround(config->plate_width / std::max(config->aspect, 1.0)));
        if (config->width < pw * 1.5 || config->height < ph * 3 || ph < 10) {
            vv::fail(err, errlen, "plate scene: the plate does not fit the scene");
            return -1;
        }
        cv::RNG rng(config->seed);
        cv::Mat scene(config->height, config->width, CV_8UC3);
        clutter(scene, rng);

        // The plate: light, a dark frame, dark bold characters filling about 60% of its height.
        cv::Mat plate(ph, pw, CV_8UC3, cv::Scalar(225, 230, 230));
        const int frame = std::max(2, ph / 25);
        cv::rectangle(plate, cv::Rect(frame, frame, pw - 2 * frame, ph - 2 * frame), cv::Scalar(40, 40, 40), frame);
        // One character at a time, with a gap between them as plate fonts have.
        const int font = cv::FONT_HERSHEY_SIMPLEX;
        int baseline = 0;
        auto layout = [&](double scale, int thickness, std::vector<int> &widths, int &charHeight, int &gap) {
            charHeight = cv::getTextSize("8", font, scale, thickness, &baseline).height;
            gap = std::max(2, charHeight / 6);
            widths.clear();
            int total = 0;
            for (const char *p = text; *p; p++) {
                const int w = *p == ' ' ? charHeight / 2 : cv::getTextSize(std::string(1, *p), font, scale, thickness, &baseline).width;
                widths.push_back(w);
                total += w + gap;
            }
            return total - gap;
        };
        std::vector<int> widths;
        int charHeight = 0, gap = 0;
        int thickness = std::max(2, ph / 18);
        double scale = 0.5 * ph / std::max(cv::getTextSize("8", font, 1.0, thickness, &baseline).height, 1);
        int total = layout(scale, thickness, widths, charHeight, gap);
        if (total > pw * 0.88) {
            scale *= pw * 0.88 / total;
            thickness = std::max(2, int(thickness * pw * 0.88 / total));
            total = layout(scale, thickness, widths, charHeight, gap);
        }
        int x = (pw - total) / 2;
        const int y = (ph + charHeight) / 2;
        for (size_t i = 0; text[i]; i++) {
            if (text[i] != ' ') {
                cv::putText(plate, std::string(1, text[i]), cv::Point(x, y), font, scale, cv::Scalar(30, 30, 30), thickness, cv::LINE_AA);
            }
            x += widths[i] + gap;
        }

        // Rotated about its centre, placed at a seeded spot.
        const double diag = std::hypot(pw, ph);
        const cv::Point2f centre(float(rng.uniform(diag / 2 + 1, config->width - diag / 2 - 1)),
                                 float(rng.uniform(diag / 2 + 1, config->height - diag / 2 - 1)));
        cv::Mat m = cv::getRotationMatrix2D(cv::Point2f(pw / 2.0f, ph / 2.0f), config->angle, 1.0);
        m.at<double>(0, 2) += centre.x - pw / 2.0;
        m.at<double>(1, 2) += centre.y - ph / 2.0;
        cv::Mat mask(ph, pw, CV_8UC1, cv::Scalar(255)), warped, warpedMask;
        cv::warpAffine(plate, warped, m, scene.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
        cv::warpAffine(mask, warpedMask, m, scene.size(), cv::INTER_NEAREST, cv::BORDER_CONSTANT);
        warped.copyTo(scene, warpedMask);
        const cv::Rect bounds = cv::boundingRect(warpedMask);
        box[0] = bounds.x; box[1] = bounds.y; box[2] = bounds.width; box[3] = bounds.height;

        if (config->blur > 0) cv::GaussianBlur(scene, scene, cv::Size(), config->blur);
        if (config->noise > 0) {
            cv::Mat noise(scene.size(), CV_16SC3);
            rng.fill(noise, cv::RNG::NORMAL, 0, config->noise);
            cv::Mat wide;
            scene.convertTo(wide, CV_16SC3);
            wide += noise;
            wide.convertTo(scene, CV_8UC3);
        }
        for (int y = 0; y < scene.rows; y++) std::memcpy(out + size_t(y) * scene.cols * 3, scene.ptr(y), size_t(scene.cols) * 3);
        return 0;
    });
}
