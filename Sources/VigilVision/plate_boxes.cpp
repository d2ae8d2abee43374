// Finding plates whose characters join their frame (or each other), which rows of separate blobs miss:
// plate-shaped areas dense in vertical edges, kept when their crop shows a line of characters once the
// frame is erased.
#include "plate_internal.hpp"

#include <algorithm>
#include <opencv2/imgproc.hpp>

namespace vv::plate {
namespace {

// The frame is searched at about this width: cheap, and a plate keeps its characters' edges.
constexpr int kSearchWidth = 640;
// A proposal is checked on its crop scaled to this height.
constexpr int kCheckHeight = 60;
// A line of 4+ characters crosses at least this many vertical edges (two a stroke, some merged by blur).
constexpr int kMinEdges = 6;
// A plate box is read less reliably than a row of blobs: it ranks as a row of half a blob fewer.
constexpr double kBoxPenalty = 0.5;

// The most vertical edges crossed by a row at 1/4, 1/2 or 3/4 of `box`'s height.
int edgesAcross(const cv::Mat &edges, const cv::Rect &box) {
    int most = 0;
    for (int k = 1; k <= 3; k++) {
        const uchar *p = edges.ptr<uchar>(box.y + box.height * k / 4);
        int count = 0;
        for (int x = box.x + 1; x < box.x + box.width; x++) count += p[x] && !p[x - 1];
        most = std::max(most, count);
    }
    return most;
}

// The best row of characters in a plate crop, dark or light, the frame's lines across erased, and
// its sides too unless the crop hugs the characters (count 0: none).
Row bestRowIn(const cv::Mat &crop) {
    Row best;
    const int H = crop.rows;
    for (int dark = 1; dark >= 0; dark--) {
        cv::Mat bin;
        cv::adaptiveThreshold(crop, bin, 255, cv::ADAPTIVE_THRESH_MEAN_C, dark ? cv::THRESH_BINARY_INV : cv::THRESH_BINARY,
                              (H / 3) | 1, 5);
        for (bool sides : {false, true}) {
            cv::Mat open = bin.clone();
            removeFrame(open, sides);
            for (const Row &r : rowsInBinary(open, int(H * 0.2), int(H * 0.9))) {
                if (r.score > best.score) best = r;
            }
        }
    }
    return best;
}

}  // namespace

void removeFrame(cv::Mat &bin, bool sides) {
    cv::Mat lines;
    cv::morphologyEx(bin, lines, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(std::max(3, bin.cols / 4), 1)));
    if (sides) {
        cv::Mat down;
        cv::morphologyEx(bin, down, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(1, std::max(3, bin.rows * 7 / 10))));
        lines |= down;
    }
    bin -= lines;
}

namespace {

// Plate boxes from `small`, `roi` scaled by `scale`, checked on `roi`.
void boxesAt(const cv::Mat &roi, const cv::Mat &small, double scale, int minCharH, int maxCharH, std::vector<Row> &out) {
    // vertical edges, closed into areas: a plate's characters become one plate-shaped area
    cv::Mat gx, edges, closed;
    cv::Sobel(small, gx, CV_16S, 1, 0, 3);
    cv::convertScaleAbs(gx, edges);
    cv::threshold(edges, edges, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
    cv::morphologyEx(edges, closed, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(9, 3)));
    cv::morphologyEx(closed, closed, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(5, 3)));
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(closed, labels, stats, centroids, 8, CV_32S, cv::CCL_GRANA);
    const double minH = minCharH * scale, maxH = maxCharH * scale * 2;
    for (int i = 1; i < n; i++) {
        const cv::Rect s(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP), stats.at<int>(i, cv::CC_STAT_WIDTH),
                         stats.at<int>(i, cv::CC_STAT_HEIGHT));
        if (s.height < minH || s.height > maxH) continue;
        const double aspect = double(s.width) / s.height, fill = stats.at<int>(i, cv::CC_STAT_AREA) / double(s.area());
        if (aspect < 1.5 || aspect > 6 || fill < 0.4 || edgesAcross(edges, s) < kMinEdges) continue;
        const cv::Rect box(int(s.x / scale), int(s.y / scale), int(s.width / scale), int(s.height / scale));
        // the crop vv_plate_prepare reads a plate box from must show a line of 4+ characters
        const cv::Rect crop = plateBoxArea(box) & cv::Rect(0, 0, roi.cols, roi.rows);
        if (crop.height < 8 || crop.width < 8) continue;
        const double f = double(kCheckHeight) / crop.height;
        cv::Mat c;
        cv::resize(roi(crop), c, cv::Size(), f, f, f < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
        const Row line = bestRowIn(c);
        if (line.count < 4) continue;
        Row row;
        row.box = box;
        row.charHeight = 0;
        row.count = line.count;
        row.score = line.score - kBoxPenalty;
        out.push_back(row);
    }
}

}  // namespace

std::vector<Row> locatePlateBoxes(const cv::Mat &gray, const cv::Rect &area, int minCharH, int maxCharH) {
    std::vector<Row> out;
    const cv::Mat roi = gray(area);
    const double scale = std::min(1.0, double(kSearchWidth) / roi.cols);
    cv::Mat small;
    if (scale < 1) cv::resize(roi, small, cv::Size(), scale, scale, cv::INTER_AREA); else small = roi;
    boxesAt(roi, small, scale, minCharH, maxCharH, out);
    for (Row &row : out) row.box += area.tl();
    return out;
}

}  // namespace vv::plate
