// Plate image work behind vigil_plate.h: locating rows of characters, finding and straightening a
// text line, binarising, removing frame lines and segmenting characters.
#pragma once
#include <opencv2/core.hpp>
#include <vector>

namespace vv::plate {

// Rectified bands have characters this tall, with this many rows above and below.
constexpr int kCharHeight = 40;
constexpr int kMargin = 12;

// A row of character-like blobs.
struct Row {
    cv::Rect box;
    double charHeight = 0;
    int count = 0;
    double score = 0;
};

// Rows of 3+ blobs of one height in `gray` (only inside `rois` when given) and plate boxes
// (locatePlateBoxes) where no row is, best first, overlaps removed.
std::vector<Row> locateRows(const cv::Mat &gray, const std::vector<cv::Rect> &rois, int minCharH, int maxCharH);

// Rows of 3+ character-like blobs of one height (minH-maxH px) in a binarised image (ink = 255), unsorted.
std::vector<Row> rowsInBinary(const cv::Mat &bin, int minH, int maxH);

// Plate-shaped areas dense in vertical edges inside `area` of `gray` whose crop shows a line of 4+
// characters: plates whose characters join their frame, which rows of blobs miss. Rows with charHeight 0
// (a plate box), scored by the line's characters.
std::vector<Row> locatePlateBoxes(const cv::Mat &gray, const cv::Rect &area, int minCharH, int maxCharH);

// The crop a plate box is read from (vv_plate_prepare) and checked on (locatePlateBoxes): the box with a
// small margin, the plate's edges in view.
inline cv::Rect plateBoxArea(const cv::Rect &box) {
    return cv::Rect(int(box.x - 0.1 * box.width), int(box.y - 0.15 * box.height), int(1.2 * box.width), int(1.3 * box.height));
}

// Erases the frame of a plate crop from its binarisation (ink = 255): lines across longer than a quarter
// of the width and, with `sides`, lines down longer than 70 % of the height; characters touching it come apart.
void removeFrame(cv::Mat &bin, bool sides);

// The straight line of characters in a plate crop.
struct TextLine {
    bool found = false;
    bool darkText = true;  // dark characters on a light plate
    double slope = 0;      // dy/dx of the character centres
    double cy0 = 0;        // centre line's y at x = 0
    double height = 0;     // median character height
    int xmin = 0, xmax = 0;
    int count = 0;
    double score = 0;
    bool onBar = false;    // the characters stand on a dark bar of the frame right below them
};

// Finds the main line of characters in a gray crop (blob rows; rows of many strokes as a fallback).
TextLine findTextLine(const cv::Mat &gray);

// Rotates, crops and scales the line into a band: characters kCharHeight tall, kMargin rows above and
// below, extended sideways for characters the line missed. `toSource` receives the band -> crop transform.
cv::Mat rectifyLine(const cv::Mat &gray, const TextLine &line, cv::Mat *toSource);

// Binarised variants of a band, ink = 255.
std::vector<cv::Mat> binarizeBand(const cv::Mat &band, bool darkText);

// Erases, in place, the horizontal runs of ink in `bin` (ink = 255) longer than `longest` pixels.
void eraseLongRuns(cv::Mat &bin, int longest);

// Erases runs of ink longer than any character (frames, borders, the background beyond the plate), and
// every row from `floor` down (a frame's bar the characters stand on; its runs down still count).
cv::Mat removeLines(const cv::Mat &bin, int top, int bottom, int floor);

// Character boxes in a binarised band whose characters span rows [top, bottom), left to right, nothing
// taken from rows `floor` and below. `clean` receives the band with frame lines removed.
std::vector<cv::Rect> segmentBand(const cv::Mat &bin, int top, int bottom, int floor, cv::Mat *clean);

// A character from the cleaned band as black ink on white with a margin, specks removed.
cv::Mat characterImage(const cv::Mat &clean, const cv::Rect &box, int top, int bottom);

}  // namespace vv::plate
