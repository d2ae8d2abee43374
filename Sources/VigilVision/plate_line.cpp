// Finding the line of characters in a plate crop and straightening it into a band.
#include "plate_internal.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace vv::plate {
namespace {

struct Blob { cv::Rect r; };

std::vector<Blob> blobs(const cv::Mat &bin, int minH, int maxH) {
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(bin, labels, stats, centroids, 8, CV_32S, cv::CCL_GRANA);
    std::vector<Blob> out;
    for (int i = 1; i < n; i++) {
        const cv::Rect r(stats.at<int>(i, 0), stats.at<int>(i, 1), stats.at<int>(i, 2), stats.at<int>(i, 3));
        if (r.height < minH || r.height > maxH) continue;
        const double aspect = double(r.width) / r.height, fill = double(stats.at<int>(i, 4)) / r.area();
        if (aspect < 0.08 || aspect > 1.1 || fill < 0.15 || fill > 0.95) continue;
        out.push_back({r});
    }
    return out;
}

void fitLine(const std::vector<cv::Point2d> &p, double &slope, double &intercept) {
    double n = double(p.size()), sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const auto &q : p) { sx += q.x; sy += q.y; sxx += q.x * q.x; sxy += q.x * q.y; }
    const double d = n * sxx - sx * sx;
    if (p.size() < 2 || std::abs(d) < 1e-9) { slope = 0; intercept = n > 0 ? sy / n : 0; return; }
    slope = (n * sxy - sx * sy) / d;
    intercept = (sy - slope * sx) / n;
}

// The largest group of blobs of one height along one straight line.
TextLine bestGroup(const std::vector<Blob> &bs, int cropHeight) {
    TextLine best;
    for (const Blob &seed : bs) {
        const double cy = seed.r.y + seed.r.height / 2.0;
        std::vector<const Blob *> group;
        std::vector<cv::Point2d> centres;
        for (const Blob &b : bs) {
            const double bcy = b.r.y + b.r.height / 2.0;
            if (std::abs(b.r.height - seed.r.height) <= 0.2 * seed.r.height && std::abs(bcy - cy) <= 0.35 * seed.r.height) {
                group.push_back(&b);
                centres.push_back({b.r.x + b.r.width / 2.0, bcy});
            }
        }
        if (group.size() < 3) continue;
        double slope, intercept;
        fitLine(centres, slope, intercept);
        std::vector<const Blob *> kept;
        std::vector<cv::Point2d> keptCentres;
        for (size_t i = 0; i < group.size(); i++) {
            if (std::abs(centres[i].y - (slope * centres[i].x + intercept)) <= 0.15 * seed.r.height) {
                kept.push_back(group[i]);
                keptCentres.push_back(centres[i]);
            }
        }
        if (kept.size() < 3) continue;
        fitLine(keptCentres, slope, intercept);
        if (std::abs(slope) > 0.35) continue;
        std::vector<int> heights;
        int x0 = INT_MAX, x1 = 0;
        for (const Blob *b : kept) { heights.push_back(b->r.height); x0 = std::min(x0, b->r.x); x1 = std::max(x1, b->r.x + b->r.width); }
        std::sort(heights.begin(), heights.end());
        const double h = heights[heights.size() / 2];
        const double score = double(std::min<size_t>(kept.size(), 9)) + h / cropHeight;
        if (score > best.score) {
            best.found = true; best.slope = slope; best.cy0 = intercept; best.height = h;
            best.xmin = x0; best.xmax = x1; best.count = int(kept.size()); best.score = score;
        }
    }
    return best;
}

// Characters merged with a frame defeat the blobs: the band of rows crossed by many strokes instead.
TextLine strokeBand(const cv::Mat &gray, bool dark) {
    const int H = gray.rows;
    cv::Mat bin;
    cv::adaptiveThreshold(gray, bin, 255, cv::ADAPTIVE_THRESH_MEAN_C, dark ? cv::THRESH_BINARY_INV : cv::THRESH_BINARY,
                          (H / 3) | 1, 5);
    std::vector<int> crossings(H, 0);
    for (int y = 0; y < H; y++) {
        const uchar *p = bin.ptr<uchar>(y);
        for (int x = 1; x < bin.cols; x++) crossings[y] += (p[x] && !p[x - 1]);
    }
    TextLine t;
    const int most = *std::max_element(crossings.begin(), crossings.end());
    if (most < 8) return t;
    const int threshold = std::max(6, most / 2);
    int bestLength = 0, bestTop = 0, run = 0;
    for (int y = 0; y < H; y++) {
        if (crossings[y] >= threshold) {
            if (++run > bestLength) { bestLength = run; bestTop = y - run + 1; }
        } else {
            run = 0;
        }
    }
    if (bestLength < H * 0.2) return t;
    t.found = true; t.darkText = dark; t.slope = 0; t.cy0 = bestTop + bestLength / 2.0; t.height = bestLength;
    t.xmin = gray.cols / 10; t.xmax = gray.cols - gray.cols / 10; t.count = 0;
    t.score = bestLength / double(H) + most / 20.0;
    return t;
}

// Dark characters standing on a dark frame's bar join it (and each other through the dealer's name on
// it): the binarisation, frame lines erased, is cut along one row, each row from the bottom up to the
// middle. Cuts through the bar free nothing; cuts through the characters free their upper parts (the
// higher, the shorter, and specks join in). The lowest cut freeing at least 3/4 of the most blobs any cut
// frees, lowered while it loses at most one of them, is where the characters stand on the bar.
// `darkInk`: the crop's binarisation for dark characters (block a third of its height).
TextLine cutFromBar(const cv::Mat &darkInk) {
    const int H = darkInk.rows;
    cv::Mat bin = darkInk.clone();
    removeFrame(bin, true);
    // what stands below the cut is the bar, or the characters' lower parts joined to it
    const auto above = [&](int y) { return bestGroup(blobs(bin.rowRange(0, y), int(H * 0.15), int(H * 0.95)), H); };
    std::vector<TextLine> lines;
    std::vector<int> rows;
    int most = 0;
    for (int y = H - 3; y >= H / 2; y -= 2) {
        lines.push_back(above(y));
        rows.push_back(y);
        most = std::max(most, std::min(lines.back().count, 9));
    }
    for (size_t i = 0; i < lines.size(); i++) {
        if (!lines[i].found || std::min(lines[i].count, 9) < 0.75 * most) continue;
        // lower cuts that lose at most one blob still free whole characters (a speck lost)
        const int least = std::max(4, lines[i].count - 1);
        size_t k = i;
        while (k > 0 && lines[k - 1].found && lines[k - 1].count >= least) k--;
        TextLine best = lines[k];
        if (k > 0) {  // the row between this cut and the next lower one
            const TextLine t = above(rows[k] + 1);
            if (t.found && t.count >= least) best = t;
        }
        best.darkText = true;
        best.onBar = true;
        return best;
    }
    return TextLine();
}

}  // namespace

TextLine findTextLine(const cv::Mat &gray) {
    const int H = gray.rows;
    TextLine best;
    cv::Mat darkInk;  // dark characters, block a third of the height: also where cutFromBar starts
    for (int dark = 1; dark >= 0; dark--) {
        for (int block : {H / 3, H / 2}) {
            block |= 1;
            if (block < 7) block = 7;
            cv::Mat bin;
            cv::adaptiveThreshold(gray, bin, 255, cv::ADAPTIVE_THRESH_MEAN_C, dark ? cv::THRESH_BINARY_INV : cv::THRESH_BINARY,
                                  block, 5);
            if (dark && darkInk.empty()) darkInk = bin;
            TextLine t = bestGroup(blobs(bin, int(H * 0.15), int(H * 0.95)), H);
            t.darkText = dark;
            // light characters on a dark plate must be clearly better than dark on light
            if (t.found && t.score > best.score + (dark ? 0 : 1.0)) best = t;
        }
    }
    if (best.found && best.count >= 4) return best;
    const TextLine darkBand = strokeBand(gray, true);
    if (!best.found || best.count < 3) {
        const TextLine cut = cutFromBar(darkInk), &band = darkBand;
        // the band of many strokes is right unless it disagrees with the freed characters (it spans the
        // dealer's name on the bar too, or only the characters' part above it)
        if (cut.found && cut.count >= 4) {
            const double cy = cut.cy0 + cut.slope * gray.cols / 2;
            if (!band.found || std::abs(band.cy0 - cy) > 0.15 * cut.height || band.height > 1.25 * cut.height ||
                band.height < 0.8 * cut.height) return cut;
        }
    }
    // rows of many strokes: dark characters first
    const TextLine band = darkBand.found ? darkBand : strokeBand(gray, false);
    if (band.found && (!best.found || best.count < 3)) best = band;
    return best;
}

cv::Mat rectifyLine(const cv::Mat &gray, const TextLine &line, cv::Mat *toSource) {
    const double angle = std::atan(line.slope) * 180 / CV_PI;
    const double cx = (line.xmin + line.xmax) / 2.0, cy = line.slope * cx + line.cy0;
    const double scale = kCharHeight / line.height;
    const double extend = 1.6 * line.height;  // characters the line missed at either end
    const double x0 = std::max(0.0, line.xmin - extend), x1 = std::min<double>(gray.cols, line.xmax + extend);
    const int width = std::max(1, int(std::max(cx - x0, x1 - cx) * 2 * scale)), height = kCharHeight + 2 * kMargin;
    cv::Mat m = cv::getRotationMatrix2D(cv::Point2f(float(cx), float(cy)), angle, scale);
    m.at<double>(0, 2) += width / 2.0 - cx;
    m.at<double>(1, 2) += height / 2.0 - cy;
    cv::Mat band;
    cv::warpAffine(gray, band, m, cv::Size(width, height), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    if (toSource) cv::invertAffineTransform(m, *toSource);
    return band;
}

}  // namespace vv::plate
