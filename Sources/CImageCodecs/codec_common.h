// Helpers shared by the JPEG and PNG shims (private to CImageCodecs).
#ifndef DDL_CODEC_COMMON_H
#define DDL_CODEC_COMMON_H

#include <stddef.h>

/// Largest decoded image accepted, in bytes (a guard against absurd header sizes).
#define DDL_MAX_IMAGE_BYTES ((size_t)1 << 30)

/// Writes a formatted one-line reason into `message` (ignored when `message` is NULL).
void ddl_set_message(char *message, size_t message_size, const char *format, ...);

/// Whether `width × height × channels` is a sane decoded size; writes the reason if not.
int ddl_check_size(size_t width, size_t height, size_t channels, char *message, size_t message_size);

#endif
