/* vigil's one boundary to OpenCV: plain C over a small C++ implementation.
 * Every function that can fail takes `char *err, size_t errlen` and writes a message naming
 * what failed; no C++ exception crosses this boundary. */
#ifndef VIGIL_VISION_H
#define VIGIL_VISION_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

/* A decoded image, BGR8 (3 channels) or GRAY8; owns its pixels. */
typedef struct vv_frame vv_frame;
/* First byte of the first row. */
const uint8_t *vv_frame_data(const vv_frame *frame);
/* Width in pixels. */
int vv_frame_width(const vv_frame *frame);
/* Height in pixels. */
int vv_frame_height(const vv_frame *frame);
/* Bytes between the starts of two rows. */
int vv_frame_stride(const vv_frame *frame);
/* 3 (BGR) or 1 (gray). */
int vv_frame_channels(const vv_frame *frame);
/* Frees the frame. */
void vv_frame_release(vv_frame *frame);

/* A frame source: video file, rtsp/http(s) stream, folder of images, or glob pattern. */
typedef struct vv_capture vv_capture;
/* Opens a source; NULL with a message when it does not exist, is corrupt or is empty. */
vv_capture *vv_capture_open(const char *source, char *err, size_t errlen);
/* Reads the next frame (a new one each time): 1 frame, 0 end of source, -1 error (message). */
int vv_capture_read(vv_capture *capture, vv_frame **out, char *err, size_t errlen);
/* Skips up to n frames without decoding them fully; returns how many were skipped. */
int vv_capture_skip(vv_capture *capture, int n);
/* Frames per second the source declares; 0 when unknown. */
double vv_capture_fps(const vv_capture *capture);
/* 1 for network streams. */
int vv_capture_is_live(const vv_capture *capture);
/* Number of frames, -1 when unknown. */
long vv_capture_frame_count(const vv_capture *capture);
/* Closes the source. */
void vv_capture_close(vv_capture *capture);

/* Writes pixels as a PNG file (the folder must exist): 0 ok, -1 error (message). */
int vv_write_png(const uint8_t *pixels, int width, int height, int stride, int channels, const char *path,
                 char *err, size_t errlen);
/* Decodes an image file to BGR8; NULL with a message on failure. */
vv_frame *vv_image_read(const char *path, char *err, size_t errlen);

/* A video file writer (MJPG in .avi), for generated test and sample clips. */
typedef struct vv_writer vv_writer;
/* Opens a writer; NULL with a message on failure. */
vv_writer *vv_writer_open(const char *path, int width, int height, double fps, char *err, size_t errlen);
/* Appends one BGR8 frame of the writer's size. */
int vv_writer_write(vv_writer *writer, const uint8_t *bgr, int stride);
/* Finishes the file. */
void vv_writer_close(vv_writer *writer);

/* Motion detection of the class of Frigate's improved detector. */
typedef struct {
    int frame_height;            /* working height after downscaling, px (default 100) */
    int threshold;               /* per-pixel difference that counts as change, 1-255 (default 30) */
    double contour_area;         /* smallest changed region kept, in working-resolution px (default 10) */
    double frame_alpha;          /* background running-average weight (default 0.01) */
    int calibration_frames;      /* frames learning the background before reporting (default 30) */
    double lightning_threshold;  /* share of the frame changing at once that resets the background (default 0.8) */
    int improve_contrast;        /* stretch contrast to the 4th-96th percentile (default 1) */
    const float *mask_points;    /* normalised x,y pairs of all mask polygons, concatenated (may be NULL) */
    const int *mask_polygon_sizes; /* points in each polygon */
    int mask_polygon_count;      /* number of polygons; masked areas are ignored */
} vv_motion_config;

#define VV_MOTION_MAX_BOXES 16
typedef struct {
    double motion_intensity;         /* mean difference of the changed pixels / 255, 0..1 */
    double affected_area_percentage; /* share of the unmasked frame covered by kept motion regions, 0..100 */
    int calibrating;                 /* 1 while learning the background (nothing reported) */
    int lightning;                   /* 1 when most of the frame changed at once and the background was reset */
    int box_count;                   /* motion regions below, largest first */
    float boxes[VV_MOTION_MAX_BOXES][4]; /* normalised x, y, width, height */
} vv_motion_result;

typedef struct vv_motion vv_motion;
/* Fills the defaults. */
void vv_motion_config_default(vv_motion_config *config);
/* Creates a detector; NULL with a message for an invalid config. */
vv_motion *vv_motion_create(const vv_motion_config *config, char *err, size_t errlen);
/* Processes one BGR8 (or gray) frame: 0 ok, -1 error (e.g. the frame size changed and could not be handled). */
int vv_motion_process(vv_motion *motion, const uint8_t *pixels, int width, int height, int stride, int channels,
                      vv_motion_result *out);
/* Frees the detector. */
void vv_motion_free(vv_motion *motion);

#ifdef __cplusplus
}
#endif
#endif
