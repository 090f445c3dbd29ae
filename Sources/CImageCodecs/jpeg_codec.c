// JPEG through libjpeg-turbo. libjpeg's default error handler prints and calls exit();
// here `error_exit` formats the reason and longjmps back to the caller instead, and the
// "premature end of file" warning while pixels are still owed is treated as an error.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>
#include "ddl_codecs.h"
#include "codec_common.h"

/// libjpeg's error manager extended with the jump back and the reason.
typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    int owing_pixels;  // 1 until every scanline has been read
    int kind;          // DDL_JPEG_CORRUPT or DDL_JPEG_TRUNCATED once jumped
    char reason[JMSG_LENGTH_MAX];
} ddl_jpeg_errors;

enum { DDL_JPEG_CORRUPT = 1, DDL_JPEG_TRUNCATED = 2 };

static void ddl_jpeg_error_exit(j_common_ptr info) {
    ddl_jpeg_errors *errors = (ddl_jpeg_errors *)info->err;
    info->err->format_message(info, errors->reason);
    errors->kind = DDL_JPEG_CORRUPT;
    longjmp(errors->jump, 1);
}

static void ddl_jpeg_emit_message(j_common_ptr info, int level) {
    if (level >= 0) return;  // trace messages
    ddl_jpeg_errors *errors = (ddl_jpeg_errors *)info->err;
    info->err->num_warnings++;
    if (info->err->msg_code == JWRN_JPEG_EOF && errors->owing_pixels) {
        info->err->format_message(info, errors->reason);
        errors->kind = DDL_JPEG_TRUNCATED;
        longjmp(errors->jump, 1);
    }
    // Other warnings ("extraneous bytes before marker", …) leave a usable image: ignored.
}

static void ddl_jpeg_output_message(j_common_ptr info) { (void)info; }

static void ddl_jpeg_install(ddl_jpeg_errors *errors) {
    jpeg_std_error(&errors->base);
    errors->base.error_exit = ddl_jpeg_error_exit;
    errors->base.emit_message = ddl_jpeg_emit_message;
    errors->base.output_message = ddl_jpeg_output_message;
    errors->owing_pixels = 1;
    errors->kind = 0;
    errors->reason[0] = '\0';
}

/// One CMYK scanline to RGB. Adobe files store the inks inverted (255 = no ink).
static void ddl_cmyk_to_rgb(const unsigned char *cmyk, unsigned char *rgb, size_t width, int inverted) {
    for (size_t x = 0; x < width; x++) {
        unsigned c = cmyk[4 * x], m = cmyk[4 * x + 1], y = cmyk[4 * x + 2], k = cmyk[4 * x + 3];
        if (!inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
        rgb[3 * x] = (unsigned char)((c * k + 127) / 255);
        rgb[3 * x + 1] = (unsigned char)((m * k + 127) / 255);
        rgb[3 * x + 2] = (unsigned char)((y * k + 127) / 255);
    }
}

int ddl_jpeg_decode(const unsigned char *data, size_t size, ddl_image *out, char *message, size_t message_size) {
    struct jpeg_decompress_struct info;
    ddl_jpeg_errors errors;
    unsigned char *volatile pixels = NULL;
    unsigned char *volatile cmykRow = NULL;
    memset(out, 0, sizeof *out);
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
        ddl_set_message(message, message_size, "not a JPEG (no FF D8 FF signature)");
        return -1;
    }
    info.err = &errors.base;
    ddl_jpeg_install(&errors);
    if (setjmp(errors.jump) != 0) {
        jpeg_destroy_decompress(&info);
        free(pixels);
        free(cmykRow);
        ddl_set_message(message, message_size, "%s JPEG: %s",
                        errors.kind == DDL_JPEG_TRUNCATED ? "truncated" : "corrupt", errors.reason);
        return -1;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    int cmyk = 0, channels = 3;
    switch (info.jpeg_color_space) {
    case JCS_GRAYSCALE:
        info.out_color_space = JCS_GRAYSCALE;
        channels = 1;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        info.out_color_space = JCS_CMYK;
        cmyk = 1;
        break;
    default:
        info.out_color_space = JCS_RGB;
    }
    jpeg_start_decompress(&info);
    size_t width = info.output_width, height = info.output_height;
    if (!ddl_check_size(width, height, 4, errors.reason, sizeof errors.reason)) {
        jpeg_destroy_decompress(&info);
        ddl_set_message(message, message_size, "corrupt JPEG: %s", errors.reason);
        return -1;
    }
    size_t stride = width * (size_t)channels;
    pixels = malloc(stride * height);
    if (cmyk) cmykRow = malloc(width * 4);
    if (pixels == NULL || (cmyk && cmykRow == NULL)) {
        jpeg_destroy_decompress(&info);
        free(pixels);
        free(cmykRow);
        ddl_set_message(message, message_size, "out of memory for a %zu x %zu image", width, height);
        return -1;
    }
    while (info.output_scanline < info.output_height) {
        size_t y = info.output_scanline;
        JSAMPROW row = cmyk ? cmykRow : pixels + y * stride;
        jpeg_read_scanlines(&info, &row, 1);
        if (cmyk) ddl_cmyk_to_rgb(cmykRow, pixels + y * stride, width, info.saw_Adobe_marker);
    }
    errors.owing_pixels = 0;  // a missing end marker after the last row costs nothing
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    free(cmykRow);
    out->width = (int)width;
    out->height = (int)height;
    out->channels = channels;
    out->pixels = pixels;
    return 0;
}

/// A destination that grows a malloc'd buffer (freed by the caller on failure).
typedef struct {
    struct jpeg_destination_mgr base;
    unsigned char *bytes;
    size_t capacity;
} ddl_jpeg_sink;

static void ddl_jpeg_sink_init(j_compress_ptr info) {
    ddl_jpeg_sink *sink = (ddl_jpeg_sink *)info->dest;
    sink->capacity = 1 << 16;
    sink->bytes = malloc(sink->capacity);
    if (sink->bytes == NULL) ERREXIT1(info, JERR_OUT_OF_MEMORY, 0);
    sink->base.next_output_byte = sink->bytes;
    sink->base.free_in_buffer = sink->capacity;
}

static boolean ddl_jpeg_sink_grow(j_compress_ptr info) {
    ddl_jpeg_sink *sink = (ddl_jpeg_sink *)info->dest;
    size_t used = sink->capacity;  // called when the buffer is full
    unsigned char *grown = realloc(sink->bytes, 2 * sink->capacity);
    if (grown == NULL) ERREXIT1(info, JERR_OUT_OF_MEMORY, 1);
    sink->bytes = grown;
    sink->capacity *= 2;
    sink->base.next_output_byte = grown + used;
    sink->base.free_in_buffer = sink->capacity - used;
    return TRUE;
}

static void ddl_jpeg_sink_term(j_compress_ptr info) { (void)info; }

int ddl_jpeg_encode(const unsigned char *pixels, int width, int height, int channels, int quality,
                    ddl_buffer *out, char *message, size_t message_size) {
    memset(out, 0, sizeof *out);
    if (width <= 0 || height <= 0 || (channels != 1 && channels != 3) || quality < 1 || quality > 100) {
        ddl_set_message(message, message_size, "cannot encode %d x %d x %d at quality %d as JPEG", width, height, channels, quality);
        return -1;
    }
    struct jpeg_compress_struct info;
    ddl_jpeg_errors errors;
    ddl_jpeg_sink *sink = calloc(1, sizeof *sink);
    if (sink == NULL) {
        ddl_set_message(message, message_size, "out of memory");
        return -1;
    }
    info.err = &errors.base;
    ddl_jpeg_install(&errors);
    if (setjmp(errors.jump) != 0) {
        jpeg_destroy_compress(&info);
        free(sink->bytes);
        free(sink);
        ddl_set_message(message, message_size, "JPEG encoding failed: %s", errors.reason);
        return -1;
    }
    jpeg_create_compress(&info);
    sink->base.init_destination = ddl_jpeg_sink_init;
    sink->base.empty_output_buffer = ddl_jpeg_sink_grow;
    sink->base.term_destination = ddl_jpeg_sink_term;
    info.dest = &sink->base;
    info.image_width = (JDIMENSION)width;
    info.image_height = (JDIMENSION)height;
    info.input_components = channels;
    info.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality, TRUE);
    jpeg_start_compress(&info, TRUE);
    size_t stride = (size_t)width * (size_t)channels;
    while (info.next_scanline < info.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)info.next_scanline * stride);
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    out->bytes = sink->bytes;
    out->size = sink->capacity - sink->base.free_in_buffer;
    jpeg_destroy_compress(&info);
    free(sink);
    return 0;
}
