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

/* ---- Object detection (detect*.cpp) ----
 * One detector per camera, from one of four backends: OpenCV's HOG people detector (default or
 * Daimler), a Haar/LBP cascade XML, background subtraction (MOG2/KNN) with blobs, or a
 * YOLOv5/YOLOv8-layout ONNX model through OpenCV DNN. Detection may be restricted to regions
 * (normalised boxes, e.g. where Motion saw change): they are padded, grown to the backend's
 * smallest search window and merged where they overlap (onnx joins them into one rectangle: one
 * inference); the foreground backend always models the whole frame. Every problem with the config or its files is reported by vv_detector_create. */
typedef enum {
    VV_DETECT_HOG = 0,
    VV_DETECT_CASCADE = 1,
    VV_DETECT_FOREGROUND = 2,
    VV_DETECT_ONNX = 3
} vv_detect_backend;

typedef struct {
    int backend;                 /* a vv_detect_backend */
    double region_padding;       /* each region grows by this share of its size on every side (default 0.25) */
    /* hog */
    int hog_daimler;             /* 0: the default 64x128 people detector, 1: Daimler's 48x96 one */
    double hog_hit_threshold;    /* SVM distance a window must exceed (default 0) */
    double hog_upscale;          /* the picture is enlarged by this first, so people smaller than the window are found (default 1.5) */
    double hog_scale_step;       /* pyramid step between scales, > 1 (default 1.2) */
    /* cascade */
    const char *cascade_path;    /* a Haar or LBP cascade XML file */
    double cascade_scale_step;   /* > 1 (default 1.1) */
    int cascade_min_neighbors;   /* (default 3) */
    int cascade_min_width;       /* smallest object, px (default 0: the cascade's window) */
    int cascade_min_height;
    /* foreground */
    int fg_knn;                  /* 0: MOG2, 1: KNN */
    int fg_history;              /* frames the background model remembers (default 500) */
    double fg_threshold;         /* MOG2 varThreshold (default 16) or KNN dist2Threshold (default 400); 0: the default */
    int fg_shadows;              /* 1: detect shadows and leave them out of blobs (default 1) */
    int fg_working_height;       /* the model works at this height, px (default 96) */
    double fg_min_area;          /* smallest blob, share of the frame (default 0.0008) */
    double fg_learning_rate;     /* background update weight per frame, 0-1; -1: 1 / history (default) */
    double fg_max_foreground;    /* more than this share of the frame in foreground at once (a light change, a camera moving) reports nothing (default 0.5) */
    /* onnx */
    const char *onnx_path;       /* an ONNX model with one output in YOLOv5 (1 x N x (5 + classes)) or YOLOv8 (1 x (4 + classes) x N) layout */
    int onnx_input_width;        /* (default 640) */
    int onnx_input_height;       /* (default 640) */
    int onnx_class_count;        /* how many class names the user gave: must match the model's output */
    int onnx_layout;             /* 0: from the output's shape, 5: YOLOv5, 8: YOLOv8 */
    double onnx_confidence;      /* smallest score kept (default 0.25) */
    double onnx_nms;             /* IoU above which the weaker of two boxes of one class is dropped (default 0.45) */
} vv_detector_config;

/* One object found: a normalised box, a score 0-1 and a class index (0 except for onnx). */
typedef struct {
    float x, y, width, height;
    float confidence;
    int class_id;
} vv_detection;

typedef struct vv_detector vv_detector;
/* Fills the defaults (backend hog). */
void vv_detector_config_default(vv_detector_config *config);
/* Creates a detector and loads its files; NULL with a message naming the setting or file and what is wrong. */
vv_detector *vv_detector_create(const vv_detector_config *config, char *err, size_t errlen);
/* The layout the onnx backend decodes (5 or 8), 0 for the other backends. */
int vv_detector_onnx_layout(const vv_detector *detector);
/* Detects objects on one 8-bit frame (channels 3 = BGR, 4 = BGRA, 1 = gray). `regions` (x, y, width,
 * height quadruples, normalised; NULL or 0: the whole frame) restricts the search. Writes up to
 * `capacity` detections, best first; returns how many were found (may exceed capacity), -1 on error (message). */
int vv_detector_detect(vv_detector *detector, const uint8_t *pixels, int width, int height, int stride, int channels,
                       const float *regions, int region_count, vv_detection *out, int capacity, char *err, size_t errlen);
/* Where the last vv_detector_detect looked: up to `capacity` normalised boxes into out (x, y, width, height
 * quadruples); returns how many there are (0: nowhere, e.g. the foreground backend skipped a frame-wide change). */
int vv_detector_searched(const vv_detector *detector, float *out, int capacity);
/* Foreground backend: boxes (normalised quadruples) where objects are known to stand still. From the
 * next frame the model keeps learning its background there (not the object), and reports no blob there. */
void vv_detector_set_frozen(vv_detector *detector, const float *boxes, int count);
/* Frees the detector (NULL is ignored). */
void vv_detector_free(vv_detector *detector);

/* ---- Drawing and appearance (draw.cpp) ---- */

/* Draws a 2 px box (normalised) with an optional label above it on 8-bit pixels in place (channels 1, 3 or 4). */
void vv_draw_box(uint8_t *pixels, int width, int height, int stride, int channels,
                 float x, float y, float box_width, float box_height, const char *label);
/* The grey levels of a normalised box, resized to size x size (area averaging), into out (size*size
 * values, row by row); returns 0, or -1 when the box lies outside the frame or is under 2 px. */
int vv_patch_gray(const uint8_t *pixels, int width, int height, int stride, int channels,
                  float x, float y, float box_width, float box_height, int size, float *out);

#ifdef __cplusplus
}
#endif
#endif
