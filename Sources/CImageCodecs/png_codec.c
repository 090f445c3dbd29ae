// PNG through libpng. libpng's default error handler prints and aborts the read with its
// own longjmp; here the handler keeps the reason and jumps back to this shim, which
// frees what it allocated and returns the reason. Warnings are not printed.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>
#include "ddl_codecs.h"
#include "codec_common.h"

/// The reason of the last error.
typedef struct {
    char reason[256];
} ddl_png_errors;

/// Bytes being read.
typedef struct {
    const unsigned char *data;
    size_t size;
    size_t offset;
    int ranOut;
} ddl_png_source;

/// Bytes being written (grown with realloc).
typedef struct {
    unsigned char *bytes;
    size_t size;
    size_t capacity;
} ddl_png_sink;

static void ddl_png_error(png_structp png, png_const_charp text) {
    ddl_png_errors *errors = png_get_error_ptr(png);
    snprintf(errors->reason, sizeof errors->reason, "%s", text);
    png_longjmp(png, 1);
}

static void ddl_png_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void ddl_png_read(png_structp png, png_bytep target, size_t count) {
    ddl_png_source *source = png_get_io_ptr(png);
    if (count > source->size - source->offset) {
        source->ranOut = 1;
        png_error(png, "file ends early");
    }
    memcpy(target, source->data + source->offset, count);
    source->offset += count;
}

static void ddl_png_write(png_structp png, png_bytep bytes, size_t count) {
    ddl_png_sink *sink = png_get_io_ptr(png);
    if (count > sink->capacity - sink->size) {
        size_t capacity = sink->capacity ? sink->capacity : 1 << 14;
        while (capacity - sink->size < count) capacity *= 2;
        unsigned char *grown = realloc(sink->bytes, capacity);
        if (grown == NULL) png_error(png, "out of memory");
        sink->bytes = grown;
        sink->capacity = capacity;
    }
    memcpy(sink->bytes + sink->size, bytes, count);
    sink->size += count;
}

static void ddl_png_flush(png_structp png) { (void)png; }

int ddl_png_decode(const unsigned char *data, size_t size, ddl_image *out, char *message, size_t message_size) {
    memset(out, 0, sizeof *out);
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        ddl_set_message(message, message_size, "not a PNG (no PNG signature)");
        return -1;
    }
    ddl_png_errors errors = {{0}};
    ddl_png_source *source = calloc(1, sizeof *source);
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &errors, ddl_png_error, ddl_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (source == NULL || info == NULL) {
        if (png) png_destroy_read_struct(&png, NULL, NULL);
        free(source);
        ddl_set_message(message, message_size, "out of memory");
        return -1;
    }
    source->data = data;
    source->size = size;
    unsigned char *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png)) != 0) {
        png_destroy_read_struct(&png, &info, NULL);
        ddl_set_message(message, message_size, source->ranOut ? "truncated PNG: %s" : "corrupt PNG: %s", errors.reason);
        free(source);
        free(pixels);
        free(rows);
        return -1;
    }
    png_set_read_fn(png, source, ddl_png_read);
    png_read_info(png, info);
    png_set_expand(png);       // palette → RGB, grey below 8 bits → 8, tRNS → alpha
    png_set_strip_16(png);
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    size_t width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    size_t channels = png_get_channels(png, info);
    if (channels != 1 && channels != 3) png_error(png, "unexpected channel count after conversion");
    if (!ddl_check_size(width, height, channels, errors.reason, sizeof errors.reason)) png_longjmp(png, 1);
    size_t stride = width * channels;
    pixels = malloc(stride * height);
    rows = malloc(height * sizeof(png_bytep));
    if (pixels == NULL || rows == NULL) png_error(png, "out of memory");
    for (size_t y = 0; y < height; y++) rows[y] = pixels + y * stride;
    png_read_image(png, rows);
    // The end chunk is not read: a file cut after its last row still has every pixel.
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    free(source);
    out->width = (int)width;
    out->height = (int)height;
    out->channels = (int)channels;
    out->pixels = pixels;
    return 0;
}

int ddl_png_encode(const unsigned char *pixels, int width, int height, int channels,
                   ddl_buffer *out, char *message, size_t message_size) {
    memset(out, 0, sizeof *out);
    if (width <= 0 || height <= 0 || (channels != 1 && channels != 3)) {
        ddl_set_message(message, message_size, "cannot encode %d x %d x %d as PNG", width, height, channels);
        return -1;
    }
    ddl_png_errors errors = {{0}};
    ddl_png_sink *sink = calloc(1, sizeof *sink);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &errors, ddl_png_error, ddl_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (sink == NULL || info == NULL) {
        if (png) png_destroy_write_struct(&png, NULL);
        free(sink);
        ddl_set_message(message, message_size, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(png)) != 0) {
        png_destroy_write_struct(&png, &info);
        free(sink->bytes);
        free(sink);
        ddl_set_message(message, message_size, "PNG encoding failed: %s", errors.reason);
        return -1;
    }
    png_set_write_fn(png, sink, ddl_png_write, ddl_png_flush);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8,
                 channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    size_t stride = (size_t)width * (size_t)channels;
    for (int y = 0; y < height; y++) png_write_row(png, (png_const_bytep)(pixels + (size_t)y * stride));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    out->bytes = sink->bytes;
    out->size = sink->size;
    free(sink);
    return 0;
}
