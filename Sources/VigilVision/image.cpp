// Image files: PNG snapshots, decoding images, and writing generated video clips.
#include "vigil_vision.h"
#include "common.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

struct vv_writer {
    cv::VideoWriter writer;
    int width, height;
};

extern "C" int vv_write_png(const uint8_t *pixels, int width, int height, int stride, int channels, const char *path,
                            char *err, size_t errlen) {
    std::string where = path ? path : "";
    return vv::guarded<int>(err, errlen, where, -1, [&]() -> int {
        if (channels != 1 && channels != 3) { vv::fail(err, errlen, where + ": unsupported channel count"); return -1; }
        cv::Mat mat(height, width, channels == 3 ? CV_8UC3 : CV_8UC1, const_cast<uint8_t *>(pixels), static_cast<size_t>(stride));
        if (!cv::imwrite(where, mat, {cv::IMWRITE_PNG_COMPRESSION, 1})) {
            vv::fail(err, errlen, where + ": cannot write the PNG file (folder missing, not writable, or disk full)");
            return -1;
        }
        return 0;
    });
}

extern "C" vv_frame *vv_image_read(const char *path, char *err, size_t errlen) {
    std::string where = path ? path : "";
    return vv::guarded<vv_frame *>(err, errlen, where, nullptr, [&]() -> vv_frame * {
        cv::Mat mat = cv::imread(where, cv::IMREAD_COLOR);
        if (mat.empty()) { vv::fail(err, errlen, where + ": not a readable image"); return nullptr; }
        return new vv_frame{mat};
    });
}

extern "C" vv_writer *vv_writer_open(const char *path, int width, int height, double fps, char *err, size_t errlen) {
    std::string where = path ? path : "";
    return vv::guarded<vv_writer *>(err, errlen, where, nullptr, [&]() -> vv_writer * {
        auto *w = new vv_writer{cv::VideoWriter(), width, height};
        if (!w->writer.open(where, cv::CAP_FFMPEG, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps, cv::Size(width, height), true)) {
            delete w;
            vv::fail(err, errlen, where + ": cannot create the video file");
            return nullptr;
        }
        return w;
    });
}

extern "C" int vv_writer_write(vv_writer *w, const uint8_t *bgr, int stride) {
    try {
        cv::Mat mat(w->height, w->width, CV_8UC3, const_cast<uint8_t *>(bgr), static_cast<size_t>(stride));
        w->writer.write(mat);
        return 0;
    } catch (...) {
        return -1;
    }
}

extern "C" void vv_writer_close(vv_writer *w) {
    try { w->writer.release(); } catch (...) {}
    delete w;
}
