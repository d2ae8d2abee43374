// Image files: PNG snapshots, decoding images, and writing generated video clips (MJPG in .avi,
// which Debian's OpenCV 4.6 both writes and reads back through FFmpeg).
#include "vigil_vision.h"
#include "common.hpp"

#include <memory>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

struct vv_writer {
    cv::VideoWriter writer;
    std::string path;
    int width = 0, height = 0;
    cv::Mat padded;  // one spare row: FFmpeg's swscale reads up to 16 bytes past the end of a frame
};

namespace {
// A message for pixels the caller describes badly, or "" when they are usable.
std::string check_pixels(const uint8_t *pixels, int width, int height, int stride, int channels) {
    if (!pixels) return "pixels are NULL";
    if (width < 1 || height < 1) return "image size " + std::to_string(width) + "x" + std::to_string(height) + " is empty";
    if (channels != 1 && channels != 3 && channels != 4) return std::to_string(channels) + " channels (1, 3 or 4 expected)";
    if (static_cast<long>(stride) < static_cast<long>(width) * channels)
        return "stride " + std::to_string(stride) + " is shorter than a row (" + std::to_string(width * channels) + " bytes)";
    return "";
}
}  // namespace

extern "C" int vv_write_png(const uint8_t *pixels, int width, int height, int stride, int channels, const char *path,
                            char *err, size_t errlen) {
    return vv::guarded<int>(err, errlen, path ? path : "", -1, [&]() -> int {
        const std::string where = path ? path : "";
        if (where.empty()) { vv::fail(err, errlen, "PNG path is empty"); return -1; }
        const std::string bad = check_pixels(pixels, width, height, stride, channels);
        if (!bad.empty()) { vv::fail(err, errlen, where + ": " + bad); return -1; }
        const cv::Mat mat(height, width, CV_8UC(channels), const_cast<uint8_t *>(pixels), static_cast<size_t>(stride));
        if (!cv::imwrite(where, mat, {cv::IMWRITE_PNG_COMPRESSION, 1})) {
            vv::fail(err, errlen, where + ": cannot write the PNG file (folder missing, not writable, or disk full)");
            return -1;
        }
        return 0;
    });
}

extern "C" vv_frame *vv_image_read(const char *path, char *err, size_t errlen) {
    return vv::guarded<vv_frame *>(err, errlen, path ? path : "", nullptr, [&]() -> vv_frame * {
        const std::string where = path ? path : "";
        cv::Mat mat = cv::imread(where, cv::IMREAD_COLOR);
        if (mat.empty()) { vv::fail(err, errlen, where + ": not a readable image (missing, unknown format or corrupt)"); return nullptr; }
        return new vv_frame{mat};
    });
}

extern "C" vv_writer *vv_writer_open(const char *path, int width, int height, double fps, char *err, size_t errlen) {
    return vv::guarded<vv_writer *>(err, errlen, path ? path : "", nullptr, [&]() -> vv_writer * {
        const std::string where = path ? path : "";
        if (width < 1 || height < 1 || width > 16384 || height > 16384) {
            vv::fail(err, errlen, where + ": video size " + std::to_string(width) + "x" + std::to_string(height) + " is not usable");
            return nullptr;
        }
        if (!(fps > 0 && fps <= 1000)) { vv::fail(err, errlen, where + ": fps must be more than 0 and at most 1000"); return nullptr; }
        auto w = std::make_unique<vv_writer>();
        w->path = where;
        w->width = width;
        w->height = height;
        w->padded.create(height + 1, width, CV_8UC3);
        if (!w->writer.open(where, cv::CAP_FFMPEG, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps, cv::Size(width, height), true)) {
            vv::fail(err, errlen, where + ": cannot create the video file (folder missing or not writable, or not .avi)");
            return nullptr;
        }
        return w.release();
    });
}

extern "C" int vv_writer_write(vv_writer *w, const uint8_t *bgr, int stride) {
    if (!w || !check_pixels(bgr, w->width, w->height, stride, 3).empty()) return -1;
    try {
        cv::Mat frame = w->padded.rowRange(0, w->height);
        cv::Mat(w->height, w->width, CV_8UC3, const_cast<uint8_t *>(bgr), static_cast<size_t>(stride)).copyTo(frame);
        w->writer.write(frame);
        return 0;
    } catch (...) {
        return -1;
    }
}

extern "C" void vv_writer_close(vv_writer *w) {
    if (!w) return;
    try { w->writer.release(); } catch (...) {}
    delete w;
}
