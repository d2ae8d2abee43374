// Frame sources: video files and streams through cv::VideoCapture, image folders and globs.
#include "vigil_vision.h"
#include "common.hpp"

#include <algorithm>
#include <dirent.h>
#include <memory>
#include <sys/stat.h>
#include <vector>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

struct vv_capture {
    std::string source;
    cv::VideoCapture video;
    std::vector<std::string> files;  // image sources
    size_t next = 0;
    bool images = false;
    bool live = false;
    double fps = 0;
    long count = -1;
    cv::Mat pending;  // first frame, decoded at open to prove the file is readable
};

static bool has_image_extension(const std::string &name) {
    auto dot = name.rfind('.');
    if (dot == std::string::npos) return false;
    std::string ext = name.substr(dot + 1);
    std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
    for (const char *e : {"jpg", "jpeg", "png", "bmp", "ppm", "pgm", "tif", "tiff", "webp"})
        if (ext == e) return true;
    return false;
}

static std::vector<std::string> list_images(const std::string &dir) {
    std::vector<std::string> files;
    if (DIR *d = opendir(dir.c_str())) {
        while (dirent *entry = readdir(d)) {
            std::string name = entry->d_name;
            if (name[0] != '.' && has_image_extension(name)) files.push_back(dir + "/" + name);
        }
        closedir(d);
    }
    std::sort(files.begin(), files.end());
    return files;
}

extern "C" vv_capture *vv_capture_open(const char *source, char *err, size_t errlen) {
    std::string s = source ? source : "";
    return vv::guarded<vv_capture *>(err, errlen, s, nullptr, [&]() -> vv_capture * {
        auto c = std::make_unique<vv_capture>();
        c->source = s;
        c->live = s.find("://") != std::string::npos;
        if (!c->live) {
            struct stat st {};
            if (s.find_first_of("*?[") != std::string::npos) {
                cv::glob(s, c->files, false);
                std::sort(c->files.begin(), c->files.end());
                if (c->files.empty()) { vv::fail(err, errlen, s + ": no file matches this pattern"); return nullptr; }
                c->images = true;
            } else if (stat(s.c_str(), &st) != 0) {
                vv::fail(err, errlen, s + ": no such file or folder");
                return nullptr;
            } else if (S_ISDIR(st.st_mode)) {
                c->files = list_images(s);
                if (c->files.empty()) { vv::fail(err, errlen, s + ": folder has no images (jpg, png, bmp, ppm, tif, webp)"); return nullptr; }
                c->images = true;
            }
        }
        if (c->images) return c.release();
        // FFmpeg only: OpenCV's other backends (GStreamer) install process-wide SIGCHLD handling
        // that breaks child-process waits elsewhere in the host.
        if (!c->video.open(s, cv::CAP_FFMPEG)) {
            vv::fail(err, errlen, s + (c->live ? ": stream cannot be opened" : ": not a readable video (unknown format or corrupt)"));
            return nullptr;
        }
        if (!c->live && (!c->video.read(c->pending) || c->pending.empty())) {
            vv::fail(err, errlen, s + ": video has no decodable frame (corrupt or empty)");
            return nullptr;
        }
        c->fps = c->video.get(cv::CAP_PROP_FPS);
        if (!(c->fps > 0 && c->fps < 1000)) c->fps = 0;
        double n = c->video.get(cv::CAP_PROP_FRAME_COUNT);
        c->count = n > 0 ? static_cast<long>(n) : -1;
        return c.release();
    });
}

extern "C" int vv_capture_read(vv_capture *c, vv_frame **out, char *err, size_t errlen) {
    *out = nullptr;
    return vv::guarded<int>(err, errlen, c->source, -1, [&]() -> int {
        cv::Mat mat;
        if (c->images) {
            if (c->next >= c->files.size()) return 0;
            const std::string &file = c->files[c->next++];
            mat = cv::imread(file, cv::IMREAD_COLOR);
            if (mat.empty()) { vv::fail(err, errlen, file + ": not a readable image"); return -1; }
        } else if (!c->pending.empty()) {
            mat = c->pending;
            c->pending = cv::Mat();
        } else if (!c->video.read(mat) || mat.empty()) {
            return 0;
        }
        if (mat.type() != CV_8UC3 && mat.type() != CV_8UC1) { vv::fail(err, errlen, c->source + ": unsupported pixel type"); return -1; }
        *out = new vv_frame{mat};
        return 1;
    });
}

extern "C" int vv_capture_skip(vv_capture *c, int n) {
    int skipped = 0;
    try {
        if (c->images) {
            skipped = static_cast<int>(std::min<size_t>(n, c->files.size() - c->next));
            c->next += skipped;
            return skipped;
        }
        if (n > 0 && !c->pending.empty()) { c->pending = cv::Mat(); skipped++; }
        while (skipped < n && c->video.grab()) skipped++;
    } catch (...) {
    }
    return skipped;
}

extern "C" double vv_capture_fps(const vv_capture *c) { return c->fps; }
extern "C" int vv_capture_is_live(const vv_capture *c) { return c->live ? 1 : 0; }
extern "C" long vv_capture_frame_count(const vv_capture *c) {
    return c->images ? static_cast<long>(c->files.size()) : c->count;
}
extern "C" void vv_capture_close(vv_capture *c) { delete c; }

extern "C" const uint8_t *vv_frame_data(const vv_frame *f) { return f->mat.data; }
extern "C" int vv_frame_width(const vv_frame *f) { return f->mat.cols; }
extern "C" int vv_frame_height(const vv_frame *f) { return f->mat.rows; }
extern "C" int vv_frame_stride(const vv_frame *f) { return static_cast<int>(f->mat.step[0]); }
extern "C" int vv_frame_channels(const vv_frame *f) { return f->mat.channels(); }
extern "C" void vv_frame_release(vv_frame *f) { delete f; }
