/* Licence-plate image work for the ANPR plugin (part of vigil's one OpenCV boundary, see vigil_vision.h
 * for the conventions: plain C, `char *err, size_t errlen` messages, no C++ exception crosses it).
 *
 * The pipeline: vv_plate_locate finds rows of character-like blobs (no model file: adaptive threshold,
 * connected components, rows of 3+ blobs of one height); vv_plate_prepare takes one candidate (or a
 * plate box), finds its text line, deskews and crops it to a band where characters are a fixed height,
 * binarises the band several ways, removes frame lines and segments each variant into characters,
 * ready for a one-character OCR. Nothing here keeps a pointer to the caller's pixels. */
#ifndef VIGIL_PLATE_H
#define VIGIL_PLATE_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

/* A row of character-like blobs, or a plate box (char_height 0): where a plate may be. */
typedef struct {
    int x, y, width, height;  /* the blobs' bounding box (or the plate's), pixels of the searched image */
    float char_height;        /* median blob height, pixels; 0: a plate box found by its edges (characters
                                 joined to the frame), to prepare with char_height 0 */
    int char_count;           /* blobs in the row */
    float score;              /* higher is more plate-like (5-8 blobs of one height) */
} vv_plate_candidate;

typedef struct {
    int min_char_height;  /* smallest character searched for, pixels (default 10) */
    int max_char_height;  /* largest, pixels (default 110) */
    int max_candidates;   /* at most this many, best first (default 8) */
} vv_plate_locate_config;

/* Fills the defaults. */
void vv_plate_locate_config_default(vv_plate_locate_config *config);

/* Finds plate candidates in an 8-bit image (channels 1 = gray, 3 = BGR, 4 = BGRA), only inside the
 * `roi_count` pixel rectangles `rois` (x, y, width, height each; NULL or 0: the whole image). Writes at
 * most `max` candidates to `out`, best first, and returns how many; -1 with a message on bad arguments. */
int vv_plate_locate(const uint8_t *pixels, int width, int height, int stride, int channels,
                    const int *rois, int roi_count, const vv_plate_locate_config *config,
                    vv_plate_candidate *out, int max, char *err, size_t errlen);

/* One candidate made ready for OCR: a deskewed band and, per binarisation variant, its characters. */
typedef struct vv_plate vv_plate;

/* Prepares the region x, y, width, height of the image. With `char_height` > 0 the region is a
 * candidate's row of characters (vv_plate_locate's box); with 0 it is a whole plate's box (e.g. a
 * labelled one). Returns NULL with a message on bad arguments; a region without a text line gives a
 * plate with no variants. */
vv_plate *vv_plate_prepare(const uint8_t *pixels, int width, int height, int stride, int channels,
                           int x, int y, int box_width, int box_height, float char_height,
                           char *err, size_t errlen);
/* Binarisation variants (0 when no text line was found). */
int vv_plate_variant_count(const vv_plate *plate);
/* 1 when the characters are dark on a light plate, 0 when light on dark. */
int vv_plate_dark_text(const vv_plate *plate);
/* The text line in the source image: 4 corners (x, y) clockwise from top-left, pixels. */
void vv_plate_corners(const vv_plate *plate, float out[8]);
/* Characters found in `variant`, left to right. */
int vv_plate_char_count(const vv_plate *plate, int variant);
/* A character's box in the band (x, y, width, height; the band is the same for every variant). */
void vv_plate_char_box(const vv_plate *plate, int variant, int index, int out[4]);
/* A character as black ink on white with a margin, 8-bit gray, for a one-character OCR; the pixels stay
 * valid until the plate is freed. */
const uint8_t *vv_plate_char_image(const vv_plate *plate, int variant, int index, int *width, int *height,
                                   int *stride);
/* The band of one variant, binarised (ink 255) and with frame lines removed, for debugging and line OCR. */
const uint8_t *vv_plate_band_image(const vv_plate *plate, int variant, int *width, int *height, int *stride);
/* Frees the plate (NULL is ignored). */
void vv_plate_free(vv_plate *plate);

/* ---- Test scenes ---- */

typedef struct {
    int width, height;     /* scene size, pixels */
    int plate_width;       /* the plate's width in the scene, pixels (its height is plate_width / aspect) */
    double aspect;         /* plate width / height (US 2.0, EU 4.7) */
    double angle;          /* rotation of the plate, degrees */
    double blur;           /* Gaussian blur sigma, pixels (0: none) */
    double noise;          /* Gaussian noise sigma, grey levels (0: none) */
    unsigned seed;         /* background clutter and noise */
} vv_plate_scene_config;

/* Renders `text` (A-Z, 0-9, space) dark on a light plate with a frame into a cluttered BGR scene of
 * config->width x config->height (`out` holds width * height * 3 bytes); writes the plate's box
 * (x, y, width, height) to `box`. 0 ok, -1 with a message. */
int vv_plate_render_scene(const char *text, const vv_plate_scene_config *config, uint8_t *out, int box[4],
                          char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
