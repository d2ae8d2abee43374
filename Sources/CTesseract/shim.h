/* Tesseract 5's C API (Debian's libtesseract-dev), wrapped in Swift by VigilOCR only. */
#include <tesseract/capi.h>
