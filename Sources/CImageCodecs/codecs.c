// Ownership and messages shared by the JPEG and PNG shims.
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "ddl_codecs.h"
#include "codec_common.h"

void ddl_set_message(char *message, size_t message_size, const char *format, ...) {
    if (message == NULL || message_size == 0) return;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(message, message_size, format, arguments);
    va_end(arguments);
}

int ddl_check_size(size_t width, size_t height, size_t channels, char *message, size_t message_size) {
    if (width == 0 || height == 0) {
        ddl_set_message(message, message_size, "image has no pixels (%zu x %zu)", width, height);
        return 0;
    }
    if (width > DDL_MAX_IMAGE_BYTES / height / channels) {
        ddl_set_message(message, message_size, "image too large (%zu x %zu)", width, height);
        return 0;
    }
    return 1;
}

void ddl_image_free(ddl_image *image) {
    if (image == NULL) return;
    free(image->pixels);
    image->pixels = NULL;
}

void ddl_buffer_free(ddl_buffer *buffer) {
    if (buffer == NULL) return;
    free(buffer->bytes);
    buffer->bytes = NULL;
    buffer->size = 0;
}
