// Binarising a plate band, removing its frame and cutting it into characters.
#include "plate_internal.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace vv::plate {
namespace {

// The first and last rows of `column` holding ink, and the most empty rows in a row between them.
int inkRows(const cv::Mat &column, int &first, int &last, int &gap) {
    first = -1; last = -1; gap = 0;
    for (int y = 0; y < column.rows; y++) {
        if (cv::countNonZero(column.row(y)) == 0) continue;
        if (first < 0) first = y;
        else gap = std::max(gap, y - last - 1);
        last = y;
    }
    return first;
}

// Connected pieces in the character rows (a little above and below them), frame lines already removed.
std::vector<cv::Rect> pieces(const cv::Mat &rows, int h) {
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(rows, labels, stats, centroids, 8, CV_32S, cv::CCL_GRANA);
    std::vector<cv::Rect> out;
    for (int i = 1; i < n; i++) {
        const cv::Rect r(stats.at<int>(i, 0), stats.at<int>(i, 1), stats.at<int>(i, 2), stats.at<int>(i, 3));
        if (r.height < 0.2 * h || stats.at<int>(i, 4) < 0.02 * h * h || r.width > 3 * h) continue;
        out.push_back(r);
    }
    std::sort(out.begin(), out.end(), [](const cv::Rect &a, const cv::Rect &b) { return a.x < b.x; });
    // pieces of one character (a broken stroke) overlap horizontally
    std::vector<cv::Rect> merged;
    for (const cv::Rect &r : out) {
        bool joined = false;
        for (cv::Rect &m : merged) {
            const int overlap = std::min(m.x + m.width, r.x + r.width) - std::max(m.x, r.x);
            if (overlap > 0.5 * std::min(m.width, r.width)) { m |= r; joined = true; break; }
        }
        if (!joined) merged.push_back(r);
    }
    return merged;
}

// Pieces wider than 1.45 typical characters are touching characters: cut at the thinnest columns near
// where evenly spaced cuts would fall.
std::vector<cv::Rect> splitTouching(const std::vector<cv::Rect> &merged, const cv::Mat &rows, int top, int h) {
    std::vector<int> widths;
    for (const cv::Rect &r : merged) if (r.width >= 0.35 * h && r.width <= 0.95 * h) widths.push_back(r.width);
    std::sort(widths.begin(), widths.end());
    const double typical = widths.size() >= 2 ? widths[widths.size() / 2] : 0.6 * h;
    std::vector<cv::Rect> out;
    for (const cv::Rect &r : merged) {
        const int parts = int(std::round(r.width / (typical * 1.1)));
        if (r.width < 1.45 * typical || r.width < 0.75 * h || parts < 2) { out.push_back(r); continue; }
        int start = r.x;
        for (int k = 1; k < parts; k++) {
            const int expected = r.x + r.width * k / parts, radius = int(0.3 * typical);
            int cut = expected, least = INT_MAX;
            for (int x = std::max(start + 2, expected - radius); x <= std::min(r.x + r.width - 3, expected + radius); x++) {
                const int ink = cv::countNonZero(rows(cv::Rect(x, top, 1, h)));
                if (ink < least) { least = ink; cut = x; }
            }
            out.emplace_back(start, r.y, cut - start, r.height);
            start = cut + 1;
        }
        out.emplace_back(start, r.y, r.x + r.width - start, r.height);
    }
    return out;
}

// Keeps characters inside the plate: the background right above or below them is the band's largest
// background region (beyond the frame, or on it, it is not).
std::vector<cv::Rect> insidePlate(const std::vector<cv::Rect> &chars, const cv::Mat &bin) {
    cv::Mat background, labels, stats, centroids;
    cv::bitwise_not(bin, background);
    const int n = cv::connectedComponentsWithStats(background, labels, stats, centroids, 4, CV_32S);
    int interior = 0, largest = 0;
    for (int i = 1; i < n; i++) {
        if (stats.at<int>(i, cv::CC_STAT_AREA) > largest) { largest = stats.at<int>(i, cv::CC_STAT_AREA); interior = i; }
    }
    if (interior == 0) return chars;
    std::vector<cv::Rect> kept;
    for (const cv::Rect &c : chars) {
        int hits = 0, probes = 0;
        for (int k = 1; k <= 3; k++) {
            const int x = c.x + c.width * k / 4;
            int y = c.y - 1;
            while (y >= 0 && bin.at<uchar>(y, x)) y--;
            if (y >= 0) { probes++; hits += labels.at<int>(y, x) == interior; }
            y = c.y + c.height;
            while (y < bin.rows && bin.at<uchar>(y, x)) y++;
            if (y < bin.rows) { probes++; hits += labels.at<int>(y, x) == interior; }
        }
        if (hits > 0 && hits * 2 >= probes) kept.push_back(c);
    }
    return kept;
}

// Drops strokes at either end of the line thinner than most characters (the plate's frame edge, a
// bolt) unless they stand where the next evenly spaced character would (a narrow I or 1).
std::vector<cv::Rect> trimEnds(std::vector<cv::Rect> chars) {
    if (chars.size() < 4) return chars;
    std::vector<int> heights;
    for (const cv::Rect &c : chars) heights.push_back(c.height);
    std::nth_element(heights.begin(), heights.begin() + heights.size() / 2, heights.end());
    const double h = heights[heights.size() / 2], thin = 0.22 * h;
    auto centre = [](const cv::Rect &c) { return c.x + c.width / 2.0; };
    std::vector<double> gaps;
    for (size_t i = 1; i < chars.size(); i++) {
        if (chars[i].width >= thin && chars[i - 1].width >= thin) gaps.push_back(centre(chars[i]) - centre(chars[i - 1]));
    }
    if (gaps.empty()) return chars;
    std::nth_element(gaps.begin(), gaps.begin() + gaps.size() / 2, gaps.end());
    const double pitch = gaps[gaps.size() / 2];
    auto junk = [&](const cv::Rect &c, const cv::Rect &next) {
        if (c.width >= thin) return false;
        const double d = std::abs(centre(c) - centre(next)) / pitch;
        return c.width < 0.08 * h || d < 0.8 || d > 1.2;
    };
    while (chars.size() > 3) {
        if (junk(chars.front(), chars[1])) chars.erase(chars.begin());
        else if (junk(chars.back(), chars[chars.size() - 2])) chars.pop_back();
        else break;
    }
    return chars;
}

// A straight line y = at0 + slope * x through points, robust to a few outliers (Theil–Sen: the median
// of the pairwise slopes); `fallback` as a flat line when there are fewer than 3 points.
struct Edge {
    double slope = 0, at0 = 0;
    double at(double x) const { return at0 + slope * x; }
};

Edge robustLine(const std::vector<cv::Point2d> &p, double fallback) {
    Edge e;
    e.at0 = fallback;
    if (p.size() < 3) return e;
    std::vector<double> slopes, offsets;
    for (size_t i = 0; i < p.size(); i++) {
        for (size_t j = i + 1; j < p.size(); j++) {
            if (std::abs(p[j].x - p[i].x) > 1) slopes.push_back((p[j].y - p[i].y) / (p[j].x - p[i].x));
        }
    }
    if (slopes.empty()) return e;
    std::nth_element(slopes.begin(), slopes.begin() + slopes.size() / 2, slopes.end());
    e.slope = slopes[slopes.size() / 2];
    for (const auto &q : p) offsets.push_back(q.y - e.slope * q.x);
    std::nth_element(offsets.begin(), offsets.begin() + offsets.size() / 2, offsets.end());
    e.at0 = offsets[offsets.size() / 2];
    return e;
}

// Keeps the pieces that span the whole line of characters (dashes, dots and stickers do not). The line's
// top and bottom are fitted to the full-height pieces: straightening leaves a little slope or bend.
std::vector<cv::Rect> spanningTheLine(const std::vector<cv::Rect> &boxes, int top, int bottom) {
    const int h = bottom - top;
    std::vector<cv::Point2d> tops, bottoms;
    for (const cv::Rect &c : boxes) {
        if (c.height < 0.8 * h) continue;
        tops.emplace_back(c.x + c.width / 2.0, c.y);
        bottoms.emplace_back(c.x + c.width / 2.0, c.y + c.height);
    }
    Edge upper = robustLine(tops, top), lower = robustLine(bottoms, bottom);
    // a line that leans more than the straightening could have left is no line: the band's own rows
    if (std::abs(upper.slope) > 0.1 || std::abs(lower.slope) > 0.1) { upper = Edge{0, double(top)}; lower = Edge{0, double(bottom)}; }
    std::vector<cv::Rect> kept;
    for (const cv::Rect &c : boxes) {
        const double x = c.x + c.width / 2.0;
        if (c.y > std::max<double>(top, upper.at(x)) + 0.12 * h || c.y + c.height < std::min<double>(bottom, lower.at(x)) - 0.12 * h) continue;
        kept.push_back(c);
    }
    return kept;
}

}  // namespace

std::vector<cv::Mat> binarizeBand(const cv::Mat &band, bool darkText) {
    const int type = darkText ? cv::THRESH_BINARY_INV : cv::THRESH_BINARY;
    std::vector<cv::Mat> variants(4);
    cv::threshold(band, variants[0], 0, 255, type | cv::THRESH_OTSU);
    cv::adaptiveThreshold(band, variants[1], 255, cv::ADAPTIVE_THRESH_MEAN_C, type, kCharHeight | 1, 5);
    cv::adaptiveThreshold(band, variants[2], 255, cv::ADAPTIVE_THRESH_MEAN_C, type, (2 * kCharHeight) | 1, 10);
    // a stricter local threshold: faint plates' characters come apart from their frame and each other
    cv::adaptiveThreshold(band, variants[3], 255, cv::ADAPTIVE_THRESH_MEAN_C, type, kCharHeight | 1, 12);
    return variants;
}

void eraseLongRuns(cv::Mat &bin, int longest) {
    for (int y = 0; y < bin.rows; y++) {
        uchar *p = bin.ptr<uchar>(y);
        // a run is measured before it is erased, and the scan goes on past it
        for (int x = 0; x < bin.cols;) {
            if (!p[x]) { x++; continue; }
            int end = x;
            while (end < bin.cols && p[end]) end++;
            if (end - x > longest) std::fill(p + x, p + end, 0);
            x = end;
        }
    }
}

cv::Mat removeLines(const cv::Mat &bin, int top, int bottom, int floor) {
    const int h = bottom - top, H = bin.rows, W = bin.cols;
    cv::Mat clean = bin.clone();
    if (floor < H) clean.rowRange(std::max(0, floor), H).setTo(0);
    eraseLongRuns(clean, int(1.3 * h));  // no character has a horizontal run this long
    const int tallest = int(1.35 * h);  // nor a vertical run reaching well above and below the others
    for (int x = 0; x < W; x++) {
        for (int y = 0; y < H;) {
            if (!bin.at<uchar>(y, x)) { y++; continue; }
            int end = y;
            while (end < H && bin.at<uchar>(end, x)) end++;
            if (end - y > tallest) for (int k = y; k < end; k++) clean.at<uchar>(k, x) = 0;
            y = end;
        }
    }
    return clean;
}

std::vector<cv::Rect> segmentBand(const cv::Mat &bin, int top, int bottom, int floor, cv::Mat *cleanOut) {
    const int H = bin.rows, h = bottom - top;
    cv::Mat clean = removeLines(bin, top, bottom, floor);
    if (cleanOut) *cleanOut = clean;
    const int y0 = std::max(0, top - int(0.12 * h)), y1 = std::min(H, bottom + int(0.12 * h));
    cv::Mat rows = cv::Mat::zeros(clean.size(), CV_8UC1);
    clean.rowRange(y0, y1).copyTo(rows.rowRange(y0, y1));
    std::vector<cv::Rect> chars;
    for (const cv::Rect &r : splitTouching(pieces(rows, h), rows, top, h)) {
        if (r.width > 1.2 * h || r.width < 0.05 * h) continue;
        cv::Rect c(r.x, y0, r.width, y1 - y0);
        int first, last, gap;
        if (inkRows(rows(c), first, last, gap) < 0) continue;
        // no narrow letter or digit of a plate is two pieces one above the other (stickers, a colon, bolts);
        // a wide one (an X, a K) may come apart where its strokes cross in a blurred picture
        if (gap >= 0.25 * h && (r.width < 0.45 * h || gap >= 0.4 * h)) continue;
        c.y += first;
        c.height = last - first + 1;
        chars.push_back(c);
    }
    chars = spanningTheLine(insidePlate(chars, bin), top, bottom);
    // the characters of a plate are one height: taller pieces are frame edges and bolts joined to strokes
    std::vector<int> heights;
    for (const cv::Rect &c : chars) heights.push_back(c.height);
    if (heights.size() >= 3) {
        std::nth_element(heights.begin(), heights.begin() + heights.size() / 2, heights.end());
        const int median = heights[heights.size() / 2];
        chars.erase(std::remove_if(chars.begin(), chars.end(), [&](const cv::Rect &c) { return c.height > 1.2 * median; }),
                    chars.end());
    }
    return trimEnds(chars);
}

cv::Mat characterImage(const cv::Mat &clean, const cv::Rect &box, int top, int bottom) {
    const int h = bottom - top;
    cv::Rect r(box.x - 1, top - int(0.06 * h), box.width + 2, int(1.12 * h));
    r &= cv::Rect(0, 0, clean.cols, clean.rows);
    cv::Mat ink = clean(r).clone();
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(ink, labels, stats, centroids, 8, CV_32S, cv::CCL_GRANA);
    int largest = 0;
    for (int i = 1; i < n; i++) largest = std::max(largest, stats.at<int>(i, cv::CC_STAT_AREA));
    for (int i = 1; i < n; i++) {
        if (stats.at<int>(i, cv::CC_STAT_AREA) < std::max(4.0, 0.08 * largest)) ink.setTo(0, labels == i);
    }
    const int pad = std::max(4, h / 4);
    cv::Mat out(r.height + 2 * pad, r.width + 2 * pad, CV_8UC1, cv::Scalar(255));
    cv::Mat dark;
    cv::bitwise_not(ink, dark);
    dark.copyTo(out(cv::Rect(pad, pad, r.width, r.height)));
    return out;
}

}  // namespace vv::plate
