// Shared helpers for the C boundary: error messages out, exceptions never.
#pragma once
#include <cstdio>
#include <exception>
#include <string>
#include <opencv2/core.hpp>

namespace vv {
// Copies "<a><b><c>" into the caller's buffer (truncated, always terminated); never throws.
inline void fail3(char *err, size_t errlen, const char *a, const char *b = "", const char *c = "") noexcept {
    if (err && errlen > 0) std::snprintf(err, errlen, "%s%s%s", a, b, c);
}
inline void fail(char *err, size_t errlen, const std::string &message) noexcept { fail3(err, errlen, message.c_str()); }

// Runs body; a C++ exception becomes "<what>: <message>" and the fallback value.
template <typename T, typename Body>
T guarded(char *err, size_t errlen, const char *what, T fallback, Body body) noexcept {
    try {
        return body();
    } catch (const cv::Exception &e) {
        fail3(err, errlen, what, ": OpenCV: ", e.err.c_str());
    } catch (const std::exception &e) {
        fail3(err, errlen, what, ": ", e.what());
    } catch (...) {
        fail3(err, errlen, what, ": unknown error");
    }
    return fallback;
}
}  // namespace vv

struct vv_frame {
    cv::Mat mat;  // BGR8, owned (reference-counted by OpenCV, never shared with a later read)
};
