// Finding plate candidates without a model: rows of character-like blobs of one height.
#include "plate_internal.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <numeric>
#include <opencv2/imgproc.hpp>

namespace vv::plate {
namespace {

struct Links {
    std::vector<int> parent;
    explicit Links(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
    int root(int x) {
        while (parent[x] != x) { parent[x] = parent[parent[x]]; x = parent[x]; }
        return x;
    }
    void join(int a, int b) { parent[root(a)] = root(b); }
};

// Blobs that could be characters: size, aspect and fill of a letter or digit.
std::vector<cv::Rect> characterBlobs(const cv::Mat &bin, int minH, int maxH) {
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(bin, labels, stats, centroids, 8, CV_32S, cv::CCL_GRANA);
    std::vector<cv::Rect> blobs;
    for (int i = 1; i < n; i++) {
        const int w = stats.at<int>(i, cv::CC_STAT_WIDTH), h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
        if (h < minH || h > maxH) continue;
        const double aspect = double(w) / h, fill = double(stats.at<int>(i, cv::CC_STAT_AREA)) / (double(w) * h);
        if (aspect < 0.1 || aspect > 1.0 || fill < 0.2 || fill > 0.9) continue;
        blobs.emplace_back(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP), w, h);
    }
    std::sort(blobs.begin(), blobs.end(), [](const cv::Rect &a, const cv::Rect &b) { return a.x < b.x; });
    return blobs;
}

// Joins each blob to its next neighbours on the right of similar height on the same line; every group
// of 3+ becomes a row.
void rowsOf(const std::vector<cv::Rect> &blobs, cv::Point offset, std::vector<Row> &out) {
    Links links(blobs.size());
    for (size_t i = 0; i < blobs.size(); i++) {
        const cv::Rect &a = blobs[i];
        const double centre = a.y + a.height / 2.0;
        int joined = 0;
        for (size_t j = i + 1; j < blobs.size() && joined < 2; j++) {
            const cv::Rect &b = blobs[j];
            if (b.x > a.x + a.width + 1.2 * a.height) break;
            if (b.x < a.x + a.width * 0.5) continue;
            const double ratio = double(b.height) / a.height;
            if (ratio < 0.8 || ratio > 1.25) continue;
            if (std::abs(b.y + b.height / 2.0 - centre) > 0.25 * a.height) continue;
            links.join(int(i), int(j));
            joined++;
        }
    }
    std::map<int, std::vector<int>> groups;
    for (size_t i = 0; i < blobs.size(); i++) groups[links.root(int(i))].push_back(int(i));
    for (auto &[root, members] : groups) {
        if (members.size() < 3) continue;
        cv::Rect box = blobs[members[0]];
        std::vector<int> heights;
        for (int i : members) { box |= blobs[i]; heights.push_back(blobs[i].height); }
        std::sort(heights.begin(), heights.end());
        const double h = heights[heights.size() / 2];
        if (box.width > 12 * h) continue;
        const int n = int(members.size());
        // a grille or a fence is a row of strokes: plates have mostly letters and digits wider than a stroke
        int strokes = 0;
        for (int i : members) strokes += blobs[i].width < 0.3 * blobs[i].height;
        if (strokes * 2 > n) continue;
        Row row;
        row.box = box + offset;
        row.charHeight = h;
        row.count = n;
        row.score = std::min(n, 8) - std::max(0, n - 9) - 2.0 * (heights.back() - heights.front()) / h;
        out.push_back(row);
    }
}

}  // namespace

std::vector<Row> rowsInBinary(const cv::Mat &bin, int minH, int maxH) {
    std::vector<Row> rows;
    rowsOf(characterBlobs(bin, minH, maxH), cv::Point(0, 0), rows);
    return rows;
}

std::vector<Row> locateRows(const cv::Mat &gray, const std::vector<cv::Rect> &rois, int minCharH, int maxCharH) {
    std::vector<cv::Rect> areas = rois;
    if (areas.empty()) areas.push_back(cv::Rect(0, 0, gray.cols, gray.rows));
    std::vector<Row> rows, boxes;
    const int block = (minCharH * 2) | 1;
    for (const cv::Rect &area : areas) {
        const cv::Rect r = area & cv::Rect(0, 0, gray.cols, gray.rows);
        if (r.width < minCharH * 2 || r.height < minCharH) continue;
        const cv::Mat roi = gray(r);
        // dark ink: at least 10 below its neighbourhood's mean; light ink: the rest (THRESH_BINARY at the same
        // threshold), so one threshold serves both polarities
        cv::Mat darkInk;
        cv::adaptiveThreshold(roi, darkInk, 255, cv::ADAPTIVE_THRESH_MEAN_C, cv::THRESH_BINARY_INV, block, 10);
        for (int dark = 1; dark >= 0; dark--) {
            cv::Mat bin;
            if (dark) bin = darkInk; else cv::bitwise_not(darkInk, bin);
            rowsOf(characterBlobs(bin, minCharH, maxCharH), r.tl(), rows);
            // bold dark characters close together join each other (and the text above them), or stand on a
            // frame's bar or a line of print: thin joins broken, long horizontal runs taken away
            if (!dark) continue;
            cv::Mat thinner;
            cv::erode(bin, thinner, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(2, 1)));
            eraseLongRuns(thinner, 5 * minCharH);
            rowsOf(characterBlobs(thinner, minCharH, maxCharH), r.tl(), rows);
            // …and characters a pixel from a dark frame join it: thin vertical joins broken too, one row off
            // each blob's top given back to its row
            cv::Mat shorter;
            cv::erode(bin, shorter, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(1, 2)));
            const size_t before = rows.size();
            rowsOf(characterBlobs(shorter, minCharH - 1, maxCharH), r.tl(), rows);
            for (size_t i = before; i < rows.size(); i++) { rows[i].box.y -= 1; rows[i].box.height += 1; rows[i].charHeight += 1; }
        }
        for (const Row &row : locatePlateBoxes(gray, r, minCharH, maxCharH)) boxes.push_back(row);
    }
    const auto better = [](const Row &a, const Row &b) { return a.score > b.score; };
    std::sort(rows.begin(), rows.end(), better);
    std::sort(boxes.begin(), boxes.end(), better);
    // rows first: a plate box only where no row is (a row is read better than a plate box)
    std::vector<Row> kept;
    size_t keptRows = 0;
    for (const std::vector<Row> *pass : {&rows, &boxes}) {
        for (const Row &row : *pass) {
            bool overlaps = false;
            for (const Row &k : kept) {
                if ((row.box & k.box).area() > 0.5 * std::min(row.box.area(), k.box.area())) { overlaps = true; break; }
            }
            if (!overlaps) kept.push_back(row);
        }
        if (pass == &rows) keptRows = kept.size();
    }
    std::vector<Row> merged;
    std::merge(kept.begin(), kept.begin() + long(keptRows), kept.begin() + long(keptRows), kept.end(), std::back_inserter(merged), better);
    return merged;
}

}  // namespace vv::plate
