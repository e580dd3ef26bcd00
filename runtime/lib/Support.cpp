//===- Support.cpp - Errors, status names and CRC-32 for the runtime ------===//
//
// The only mutable global of the runtime is the thread-local error message.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <cstdarg>
#include <cstdio>

using namespace dlc::rt;

namespace {
thread_local std::string lastError;
} // namespace

dlc_status dlc::rt::setError(dlc_status status, const char *fmt, ...) {
  char buf[1024];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  // One line, always: fold any newline that a system message might carry.
  for (char *c = buf; *c; ++c)
    if (*c == '\n' || *c == '\r')
      *c = ' ';
  lastError = buf;
  return status;
}

int64_t dlc::rt::exampleWidth(int64_t rank, const int64_t *shape) {
  int64_t width = 1;
  for (int64_t i = 1; i < rank; ++i)
    width *= shape[i];
  return width;
}

const char *dlc_last_error(void) { return lastError.c_str(); }

const char *dlc_status_name(dlc_status status) {
  switch (status) {
  case DLC_OK: return "DLC_OK";
  case DLC_INTERRUPTED: return "DLC_INTERRUPTED";
  case DLC_ERR_INVALID_ARGUMENT: return "DLC_ERR_INVALID_ARGUMENT";
  case DLC_ERR_IO: return "DLC_ERR_IO";
  case DLC_ERR_FORMAT: return "DLC_ERR_FORMAT";
  case DLC_ERR_MODEL: return "DLC_ERR_MODEL";
  case DLC_ERR_ABI: return "DLC_ERR_ABI";
  case DLC_ERR_MISMATCH: return "DLC_ERR_MISMATCH";
  case DLC_ERR_OUT_OF_MEMORY: return "DLC_ERR_OUT_OF_MEMORY";
  case DLC_ERR_INTERNAL: return "DLC_ERR_INTERNAL";
  case DLC_ERR_DEVICE: return "DLC_ERR_DEVICE";
  case DLC_ERR_DIVERGED: return "DLC_ERR_DIVERGED";
  }
  return "DLC_ERR_UNKNOWN";
}

dlc::rt::CrcTables::CrcTables(uint32_t reflectedPoly) {
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k)
      c = (c & 1) ? reflectedPoly ^ (c >> 1) : c >> 1;
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i)
    for (int s = 1; s < 8; ++s)
      t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
}

uint32_t dlc::rt::crcUpdate(const CrcTables &tables, uint32_t crc,
                            const void *data, size_t size) {
  const auto &t = tables.t;
  const auto *p = static_cast<const unsigned char *>(data);
  crc = ~crc;
  for (; size >= 8; size -= 8, p += 8) {
    uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
                         (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
    uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
                  (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
    crc = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^
          t[4][lo >> 24] ^ t[3][hi & 0xFF] ^ t[2][(hi >> 8) & 0xFF] ^
          t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
  }
  for (; size > 0; --size, ++p)
    crc = t[0][(crc ^ *p) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

uint32_t dlc_crc32(uint32_t crc, const void *data, size_t size) {
  // Reflected polynomial 0xEDB88320 (zlib's CRC-32), slicing by 8:
  // checkpoints are megabytes. Tables are constant after initialisation.
  static const dlc::rt::CrcTables tables(0xEDB88320u);
  return dlc::rt::crcUpdate(tables, crc, data, size);
}
