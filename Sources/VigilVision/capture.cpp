// Frame sources: video files and network streams through cv::VideoCapture (FFmpeg), image folders
// and glob patterns through cv::imread.
#include "vigil_vision.h"
#include "common.hpp"

#include <algorithm>
#include <cctype>
#include <dirent.h>
#include <memory>
#include <sys/stat.h>
#include <vector>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

struct vv_capture {
    std::string source;
    cv::VideoCapture video;
    std::vector<std::string> files;  // image sources, in name order
    size_t next = 0;
    bool images = false;
    bool live = false;
    double fps = 0;
    long count = -1;
    int last_cols = 0, last_rows = 0;  // the last frame's size, for vv_capture_read_into
    cv::Mat pending;  // a video's first frame, decoded at open to prove the file is readable
};

namespace {
constexpr int kStreamTimeoutMs = 10000;  // open / read timeout for network streams (OpenCV's default: 30 s)

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool has_image_extension(const std::string &name) {
    const auto dot = name.rfind('.');
    if (dot == std::string::npos) return false;
    const std::string ext = lower(name.substr(dot + 1));
    for (const char *e : {"jpg", "jpeg", "png", "bmp", "ppm", "pgm", "tif", "tiff", "webp"})
        if (ext == e) return true;
    return false;
}

std::vector<std::string> list_images(const std::string &dir) {
    std::vector<std::string> files;
    if (DIR *d = opendir(dir.c_str())) {
        const std::string prefix = dir.back() == '/' ? dir : dir + "/";
        while (dirent *entry = readdir(d)) {
            const std::string name = entry->d_name;
            if (name[0] != '.' && has_image_extension(name)) files.push_back(prefix + name);
        }
        closedir(d);
    }
    std::sort(files.begin(), files.end());
    return files;
}

// scheme:// other than file:// is a network stream (rtsp, rtsps, rtmp, http, https, udp, tcp, srt, ...).
bool is_url(const std::string &s) {
    const auto colon = s.find("://");
    if (colon == std::string::npos || colon == 0) return false;
    for (size_t i = 0; i < colon; i++)
        if (!std::isalnum(static_cast<unsigned char>(s[i])) && s[i] != '+' && s[i] != '-' && s[i] != '.') return false;
    return lower(s.substr(0, colon)) != "file";
}
}  // namespace

extern "C" vv_capture *vv_capture_open(const char *source, char *err, size_t errlen) {
    return vv::guarded<vv_capture *>(err, errlen, source ? source : "", nullptr, [&]() -> vv_capture * {
        const std::string s = source ? source : "";
        if (s.empty()) { vv::fail(err, errlen, "source is empty"); return nullptr; }
        auto c = std::make_unique<vv_capture>();
        c->source = s;
        c->live = is_url(s);
        if (!c->live) {
            struct stat st {};
            if (s.find_first_of("*?") != std::string::npos) {
                cv::glob(s, c->files, false);
                std::sort(c->files.begin(), c->files.end());
                if (c->files.empty()) { vv::fail(err, errlen, s + ": no file matches this pattern"); return nullptr; }
                c->images = true;
            } else if (stat(s.c_str(), &st) != 0) {
                vv::fail(err, errlen, s + ": no such file or folder");
                return nullptr;
            } else if (S_ISDIR(st.st_mode)) {
                c->files = list_images(s);
                if (c->files.empty()) {
                    vv::fail(err, errlen, s + ": folder has no images (jpg, png, bmp, ppm, tif, webp)");
                    return nullptr;
                }
                c->images = true;
            }
        }
        if (c->images) return c.release();
        // FFmpeg only: OpenCV's other backends (GStreamer) install process-wide SIGCHLD handling
        // that breaks child-process waits elsewhere in the host.
        const std::vector<int> params = c->live ? std::vector<int>{cv::CAP_PROP_OPEN_TIMEOUT_MSEC, kStreamTimeoutMs,
                                                                   cv::CAP_PROP_READ_TIMEOUT_MSEC, kStreamTimeoutMs}
                                                : std::vector<int>{};
        if (!c->video.open(s, cv::CAP_FFMPEG, params)) {
            vv::fail(err, errlen, s + (c->live ? ": stream cannot be opened" : ": not a readable video (unknown format or corrupt)"));
            return nullptr;
        }
        if (!c->live && (!c->video.read(c->pending) || c->pending.empty())) {
            vv::fail(err, errlen, s + ": video has no decodable frame (corrupt or empty)");
            return nullptr;
        }
        c->fps = c->video.get(cv::CAP_PROP_FPS);
        if (!(c->fps > 0 && c->fps < 1000)) c->fps = 0;
        const double n = c->video.get(cv::CAP_PROP_FRAME_COUNT);
        c->count = !c->live && n > 0 ? static_cast<long>(n) : -1;
        return c.release();
    });
}

extern "C" int vv_capture_read(vv_capture *c, vv_frame **out, char *err, size_t errlen) {
    if (!out) return -1;
    *out = nullptr;
    if (!c) { vv::fail(err, errlen, "capture is NULL"); return -1; }
    return vv::guarded<int>(err, errlen, c->source.c_str(), -1, [&]() -> int {
        cv::Mat mat;  // a new buffer every time: earlier frames stay valid
        if (!c->pending.empty()) {
            mat = c->pending;
            c->pending.release();
        } else if (c->images) {
            if (c->next >= c->files.size()) return 0;
            const std::string &file = c->files[c->next++];
            mat = cv::imread(file, cv::IMREAD_COLOR);
            if (mat.empty()) { vv::fail(err, errlen, file + ": not a readable image"); return -1; }
        } else if (!c->video.read(mat) || mat.empty()) {
            return 0;  // end of the file, or the stream dropped (the caller reopens live sources)
        }
        if (mat.type() != CV_8UC3) { vv::fail(err, errlen, c->source + ": decoder gave a frame that is not 8-bit BGR"); return -1; }
        *out = new vv_frame{mat};
        return 1;
    });
}

extern "C" int vv_capture_read_into(vv_capture *c, uint8_t *buffer, size_t capacity, int *width, int *height,
                                    char *err, size_t errlen) {
    if (!c) { vv::fail(err, errlen, "capture is NULL"); return -1; }
    return vv::guarded<int>(err, errlen, c->source.c_str(), -1, [&]() -> int {
        const auto fits = [&](const cv::Mat &m) { return buffer && static_cast<size_t>(m.cols) * m.rows * 3 <= capacity; };
        cv::Mat mat;
        if (!c->pending.empty()) {
            mat = c->pending;
        } else if (c->images) {
            if (c->next >= c->files.size()) return 0;
            const std::string &file = c->files[c->next++];
            mat = cv::imread(file, cv::IMREAD_COLOR);
            if (mat.empty()) { vv::fail(err, errlen, file + ": not a readable image"); return -1; }
        } else {
            // Aim the decoder's output at the buffer: with the last frame's size it writes there.
            if (c->last_cols > 0 && static_cast<size_t>(c->last_cols) * c->last_rows * 3 <= capacity && buffer) {
                mat = cv::Mat(c->last_rows, c->last_cols, CV_8UC3, buffer);
            }
            if (!c->video.read(mat) || mat.empty()) return 0;
        }
        if (mat.type() != CV_8UC3) { vv::fail(err, errlen, c->source + ": decoder gave a frame that is not 8-bit BGR"); return -1; }
        *width = mat.cols; *height = mat.rows;
        c->last_cols = mat.cols; c->last_rows = mat.rows;
        if (!fits(mat)) { c->pending = mat; return -2; }
        c->pending.release();
        if (mat.data != buffer) {
            cv::Mat target(mat.rows, mat.cols, CV_8UC3, buffer);
            mat.copyTo(target);
        }
        return 1;
    });
}

extern "C" int vv_capture_skip(vv_capture *c, int n) {
    if (!c || n <= 0) return 0;
    int skipped = 0;
    try {
        if (c->images) {
            skipped = static_cast<int>(std::min<size_t>(static_cast<size_t>(n), c->files.size() - c->next));
            c->next += static_cast<size_t>(skipped);
            return skipped;
        }
        if (!c->pending.empty()) { c->pending.release(); skipped++; }
        while (skipped < n && c->video.grab()) skipped++;  // demuxed and decoded, not converted to BGR
    } catch (...) {
    }
    return skipped;
}

extern "C" double vv_capture_fps(const vv_capture *c) { return c ? c->fps : 0; }
extern "C" int vv_capture_is_live(const vv_capture *c) { return c && c->live ? 1 : 0; }
extern "C" long vv_capture_frame_count(const vv_capture *c) {
    if (!c) return -1;
    return c->images ? static_cast<long>(c->files.size()) : c->count;
}
extern "C" void vv_capture_close(vv_capture *c) {
    try { delete c; } catch (...) {}
}

extern "C" const uint8_t *vv_frame_data(const vv_frame *f) { return f ? f->mat.data : nullptr; }
extern "C" int vv_frame_width(const vv_frame *f) { return f ? f->mat.cols : 0; }
extern "C" int vv_frame_height(const vv_frame *f) { return f ? f->mat.rows : 0; }
extern "C" int vv_frame_stride(const vv_frame *f) { return f ? static_cast<int>(f->mat.step[0]) : 0; }
extern "C" int vv_frame_channels(const vv_frame *f) { return f ? f->mat.channels() : 0; }
extern "C" void vv_frame_release(vv_frame *f) { delete f; }
