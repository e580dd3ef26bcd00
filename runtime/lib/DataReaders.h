//===- DataReaders.h - Helpers shared by the data set readers ---*- C++ -*-===//
//
// Reading whole files (gzip-compressed or raw) and building image data sets:
// bytes -> float32 in [0, 1] (byte / 255 as TFLearn computes it, in double
// and rounded once), labels -> one-hot rows.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_RUNTIME_LIB_DATAREADERS_H
#define DLC_RUNTIME_LIB_DATAREADERS_H

#include "Internal.h"

#include <string>
#include <vector>

namespace dlc::rt {

/// A file's contents, decompressed when it is gzip data (1f 8b).
struct FileBytes {
  std::vector<unsigned char> data;
  bool gzip = false;
  /// Set when the gzip stream ends early: `data` holds what it gave.
  std::string gzipTruncated;
};

/// Reads `path` whole. DLC_ERR_IO when it cannot be opened or read,
/// DLC_ERR_FORMAT for corrupt gzip data (not for a stream cut short: that
/// sets gzipTruncated, so that the caller reports where its data ran out).
dlc_status readFileBytes(const char *path, FileBytes &out);

/// " (uncompressed)" for offsets into gzip files, "" otherwise.
inline const char *offsetNote(const FileBytes &f) {
  return f.gzip ? " (uncompressed)" : "";
}

/// float(b / 255.0) for every byte value.
const float *byteScale();

/// out[i] = float(in[i] / 255.0), on all CPUs for large arrays.
void scaleBytes(const unsigned char *in, size_t n, float *out);

/// Sizes data.y to n zero rows of `classes` columns and sets targetWidth and
/// numClasses; the caller sets y[i * classes + label] = 1.
void initOneHot(dlc_dataset &data, int64_t n, int64_t classes);

} // namespace dlc::rt

#endif // DLC_RUNTIME_LIB_DATAREADERS_H
