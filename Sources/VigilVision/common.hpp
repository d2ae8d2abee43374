// Shared helpers for the C boundary: error messages out, exceptions never.
#pragma once
#include <cstdio>
#include <exception>
#include <string>
#include <opencv2/core.hpp>

namespace vv {
inline void fail(char *err, size_t errlen, const std::string &message) {
    if (err && errlen > 0) std::snprintf(err, errlen, "%s", message.c_str());
}

// Runs body; a C++ exception becomes `what: message` and the fallback value.
template <typename T, typename Body>
T guarded(char *err, size_t errlen, const std::string &what, T fallback, Body body) {
    try {
        return body();
    } catch (const cv::Exception &e) {
        fail(err, errlen, what + ": OpenCV: " + e.err);
    } catch (const std::exception &e) {
        fail(err, errlen, what + ": " + e.what());
    } catch (...) {
        fail(err, errlen, what + ": unknown error");
    }
    return fallback;
}
}  // namespace vv

struct vv_frame {
    cv::Mat mat;
};
