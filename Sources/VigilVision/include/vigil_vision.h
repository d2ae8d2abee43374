/* vigil's one boundary to OpenCV: plain C over a small C++ implementation (OpenCV 4 core, imgproc,
 * imgcodecs, videoio). Every function that can fail takes `char *err, size_t errlen` (err may be
 * NULL) and writes a message there naming what failed; no C++ exception crosses this boundary.
 * Objects are not thread-safe: use each from one thread at a time (frames may move between threads). */
#ifndef VIGIL_VISION_H
#define VIGIL_VISION_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

/* ---- Frames ---- */

/* A decoded image, 8-bit BGR (3 channels); owns its pixels, which no later read overwrites. */
typedef struct vv_frame vv_frame;
/* First byte of the first row. */
const uint8_t *vv_frame_data(const vv_frame *frame);
/* Width in pixels. */
int vv_frame_width(const vv_frame *frame);
/* Height in pixels. */
int vv_frame_height(const vv_frame *frame);
/* Bytes from the start of one row to the next (rows may be padded). */
int vv_frame_stride(const vv_frame *frame);
/* Channels per pixel: 3 (BGR). */
int vv_frame_channels(const vv_frame *frame);
/* Frees the frame (NULL is ignored). */
void vv_frame_release(vv_frame *frame);

/* ---- Capture ---- */

/* A frame source: video file, network stream (any scheme:// but file://, through FFmpeg), folder of
 * images (jpg, jpeg, png, bmp, ppm, pgm, tif, tiff, webp; in name order), or glob pattern with * or ?
 * (in name order). */
typedef struct vv_capture vv_capture;
/* Opens a source; NULL with a message when it does not exist, is corrupt, or is an empty folder or pattern. */
vv_capture *vv_capture_open(const char *source, char *err, size_t errlen);
/* Reads the next frame into *out (a new frame, released by the caller): 1 frame, 0 end of source or stream dropped, -1 error (message; e.g. an unreadable image in a folder: the next read goes on). */
int vv_capture_read(vv_capture *capture, vv_frame **out, char *err, size_t errlen);
/// Decodes the next frame into `buffer` (BGR8, rows `*width * 3` bytes apart) when it fits in
/// `capacity` bytes: the decoder's own copy out of its buffer lands there, so no copy is added.
/// Returns 1 (a frame: *width, *height set), 0 (end), -1 (error, message in err), or -2 (the
/// frame needs *width * *height * 3 bytes: it is kept, and the next call returns it).
int vv_capture_read_into(vv_capture *capture, uint8_t *buffer, size_t capacity, int *width, int *height,
                         char *err, size_t errlen);
/* Skips up to n frames without converting them to BGR (video: grab only; images: not decoded); returns how many were skipped. */
int vv_capture_skip(vv_capture *capture, int n);
/* Frames per second the video or stream declares; 0 when unknown and for images. */
double vv_capture_fps(const vv_capture *capture);
/* 1 for network streams, else 0. */
int vv_capture_is_live(const vv_capture *capture);
/* Number of frames (images: files), -1 when unknown (streams). */
long vv_capture_frame_count(const vv_capture *capture);
/* Closes the source (NULL is ignored); frames read from it stay valid. */
void vv_capture_close(vv_capture *capture);

/* ---- Images ---- */

/* Writes 1-, 3- (BGR) or 4-channel (BGRA) 8-bit pixels as a PNG file; the folder must exist: 0 ok, -1 error (message). */
int vv_write_png(const uint8_t *pixels, int width, int height, int stride, int channels, const char *path,
                 char *err, size_t errlen);
/* Decodes an image file to 8-bit BGR; NULL with a message on failure. */
vv_frame *vv_image_read(const char *path, char *err, size_t errlen);

/* A video file writer (MJPG in .avi, which this OpenCV reads back), for generated test and sample clips. */
typedef struct vv_writer vv_writer;
/* Opens a writer for frames of width x height; NULL with a message on failure (e.g. folder missing). */
vv_writer *vv_writer_open(const char *path, int width, int height, double fps, char *err, size_t errlen);
/* Appends one 8-bit BGR frame of the writer's size, rows `stride` bytes apart: 0 ok, -1 error. */
int vv_writer_write(vv_writer *writer, const uint8_t *bgr, int stride);
/* Finishes the file and frees the writer (NULL is ignored). */
void vv_writer_close(vv_writer *writer);

/* ---- Motion detection ----
 * Of the class of Frigate's improved detector: grayscale at a working height (one sampled source
 * pixel per working pixel), 3x3 Gaussian blur, difference from a running-average background under a
 * contrast stretch, threshold, 3x3 dilation, 8-connected regions of at least contour_area changed pixels,
 * masks; calibration at the start, and a lightning guard. It reads ~frame_height rows of the frame
 * and runs on the calling thread only (no OpenCV threads, no allocation per frame). */
typedef struct {
    int frame_height;            /* working height, px; the width follows the aspect ratio (default 100) */
    int threshold;               /* difference from the background, grey levels, above which a pixel has changed, 1-255 (default 30) */
    double contour_area;         /* smallest region reported, in changed working-resolution pixels (default 10) */
    double frame_alpha;          /* background running-average weight per frame, (0, 1] (default 0.01) */
    int calibration_frames;      /* frames after the first (and after lightning) that only learn the background, weight 0.2 (default 10) */
    double lightning_threshold;  /* share of the unmasked frame changing at once that resets the background instead, (0, 1] (default 0.8) */
    int improve_contrast;        /* 1: differences are measured with the 4th-96th brightness percentiles (averaged over 50 frames) stretched to 0-255, at most 8x (default 1) */
    const float *mask_points;    /* normalised x,y pairs (0-1) of all mask polygons, concatenated; copied at create (may be NULL) */
    const int *mask_polygon_sizes; /* points in each polygon, at least 3 */
    int mask_polygon_count;      /* number of polygons; their area is ignored (default 0) */
} vv_motion_config;

#define VV_MOTION_MAX_BOXES 16
typedef struct {
    double motion_intensity;         /* mean |frame - background| of the changed pixels in the reported regions / 255, 0-1 */
    double affected_area_percentage; /* changed pixels in the reported regions / unmasked pixels * 100, 0-100 (pixels, not boxes) */
    int calibrating;                 /* 1 while learning the background (nothing else is reported) */
    int lightning;                   /* 1 when more than lightning_threshold changed at once: background reset, calibration restarts */
    int box_count;                   /* regions in boxes, largest first (more may exist: the area counts them all) */
    float boxes[VV_MOTION_MAX_BOXES][4]; /* normalised x, y, width, height of each region's changed pixels */
    double changed_percentage;       /* all changed pixels / unmasked pixels * 100, before regions are filtered (the lightning measure) */
} vv_motion_result;

/* One camera's motion detector (its state: background, contrast history, calibration). */
typedef struct vv_motion vv_motion;
/* Fills the defaults. */
void vv_motion_config_default(vv_motion_config *config);
/* Creates a detector; NULL with a message naming the bad setting. */
vv_motion *vv_motion_create(const vv_motion_config *config, char *err, size_t errlen);
/* Processes one 8-bit frame (channels 3 = BGR, 4 = BGRA, 1 = gray) into *out: 0 ok, -1 bad arguments; a new size recalibrates. */
int vv_motion_process(vv_motion *motion, const uint8_t *pixels, int width, int height, int stride, int channels,
                      vv_motion_result *out);
/* Frees the detector (NULL is ignored). */
void vv_motion_free(vv_motion *motion);

#ifdef __cplusplus
}
#endif
#endif
