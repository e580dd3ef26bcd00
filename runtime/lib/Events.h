//===- Events.h - TensorBoard event files: records, histograms --*- C++ -*-===//
//
// The writer and the histogram the trainer uses; the C API wraps them
// (EventFile.cpp). Format: docs/tensorboard.md.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_RUNTIME_LIB_EVENTS_H
#define DLC_RUNTIME_LIB_EVENTS_H

#include "Internal.h"

#include "tensorboard.pb.h"

namespace dlc::rt {

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78).
uint32_t crc32c(uint32_t crc, const void *data, size_t size);
/// TFRecord's masking of a CRC stored next to the data it covers.
inline uint32_t maskCrc(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u;
}

/// TensorFlow's histogram (core/lib/histogram/histogram.cc) with its default
/// buckets: limits 1e-12 * 1.1^k up to 1e20, mirrored for negative values,
/// 0, and +-DBL_MAX at the ends. Encoded as TensorFlow encodes it: runs of
/// empty buckets collapse into the last one of the run.
class Histogram {
public:
  Histogram();
  void clear();
  void add(const float *values, int64_t n);
  void encode(tensorboard::HistogramProto &proto) const;
  static const std::vector<double> &limits();

private:
  std::vector<double> counts;
  std::vector<uint32_t> laneCounts; // add()'s scratch
  double min, max, num, sum, sumSquares;
};

/// Appends Events as TFRecords to a new event file. Records are built in
/// memory and handed to the OS by flush() in one write().
class EventWriter {
public:
  EventWriter() = default;
  EventWriter(const EventWriter &) = delete;
  EventWriter &operator=(const EventWriter &) = delete;
  ~EventWriter();

  /// Creates `dir` and the file; writes the file_version event.
  dlc_status open(const std::string &dir);
  const std::string &path() const { return path_; }

  void addScalar(const std::string &tag, float value);
  void addHistogram(const std::string &tag, const float *values, int64_t n);
  /// Appends the pending values as one Event (nothing when there are none).
  void appendSummary(int64_t step, double wallTime);
  void appendSessionStart(int64_t step, double wallTime);
  /// write()s what was appended.
  dlc_status flush();
  /// flush(), fsync(), close().
  dlc_status close();

  static double now();

private:
  void appendEvent(const tensorboard::Event &event);

  int fd = -1;
  std::string path_, pending;
  tensorboard::Summary summary;
  tensorboard::Event event;
  std::string payload;
  Histogram histogram;
};

} // namespace dlc::rt

#endif // DLC_RUNTIME_LIB_EVENTS_H
