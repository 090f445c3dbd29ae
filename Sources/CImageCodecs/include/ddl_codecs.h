// Image decoding and encoding for ddl-swift: JPEG (libjpeg-turbo) and PNG (libpng).
//
// Every function returns 0 on success and -1 on failure, with a one-line reason written
// into `message` (at most `message_size` bytes, NUL-terminated). The libraries' own error
// handlers, which print and exit, are replaced by ones that jump back here: a corrupt or
// truncated file is an error returned to the caller, never a crash or an exit.
#ifndef DDL_CODECS_H
#define DDL_CODECS_H

#include <stddef.h>

/// Decoded pixels: 8 bits per sample, `channels` (1 grey or 3 RGB) interleaved, rows of
/// `width * channels` bytes top to bottom. `pixels` is owned: free it with ddl_image_free.
typedef struct {
    int width;
    int height;
    int channels;
    unsigned char *pixels;
} ddl_image;

/// Encoded bytes, owned: free them with ddl_buffer_free.
typedef struct {
    unsigned char *bytes;
    size_t size;
} ddl_buffer;

/// Decodes a JPEG held in memory. Grey JPEGs give 1 channel; YCbCr, RGB, CMYK and YCCK give
/// 3 (RGB). A file that ends before its last scanline is an error ("truncated").
int ddl_jpeg_decode(const unsigned char *data, size_t size, ddl_image *out, char *message, size_t message_size);

/// Decodes a PNG held in memory. Grey (with or without alpha) gives 1 channel, every other
/// colour type 3 (RGB); alpha is dropped, 16-bit samples become 8-bit, palettes expand.
int ddl_png_decode(const unsigned char *data, size_t size, ddl_image *out, char *message, size_t message_size);

/// Encodes `height` rows of `width * channels` bytes (channels 1 or 3) as a baseline JPEG
/// of the given quality (1–100).
int ddl_jpeg_encode(const unsigned char *pixels, int width, int height, int channels, int quality,
                    ddl_buffer *out, char *message, size_t message_size);

/// Encodes `height` rows of `width * channels` bytes (channels 1 or 3) as an 8-bit PNG.
int ddl_png_encode(const unsigned char *pixels, int width, int height, int channels,
                   ddl_buffer *out, char *message, size_t message_size);

/// Frees the pixels of an image returned by a decoder (safe on a zeroed image).
void ddl_image_free(ddl_image *image);

/// Frees the bytes of a buffer returned by an encoder (safe on a zeroed buffer).
void ddl_buffer_free(ddl_buffer *buffer);

#endif
