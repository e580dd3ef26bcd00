//===- EventFile.cpp - TensorBoard event files: writing and reading -------===//
//
// An event file is a sequence of TFRecords, each holding one serialized
// tensorboard::Event (runtime/proto/tensorboard.proto, wire-compatible with
// TensorFlow's):
//
//   u64 length | u32 masked CRC-32C of the 8 length bytes |
//   length bytes of Event | u32 masked CRC-32C of those bytes
//
// all little-endian. The writer hands every step's records to the OS in one
// write(), so a killed process loses at most the step it was in; the reader
// checks both CRCs of every record and reports a bad one with its offset.
// Format and tags: docs/tensorboard.md.
//
//===----------------------------------------------------------------------===//

#include "Events.h"

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cfloat>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

using namespace dlc::rt;
namespace tb = dlc::tensorboard;

//===----------------------------------------------------------------------===//
// CRC-32C
//===----------------------------------------------------------------------===//

uint32_t dlc::rt::crc32c(uint32_t crc, const void *data, size_t size) {
  // CRC-32C (Castagnoli), reflected polynomial 0x82F63B78.
  static const CrcTables tables(0x82F63B78u);
  return crcUpdate(tables, crc, data, size);
}

uint32_t dlc_crc32c(uint32_t crc, const void *data, size_t size) {
  return crc32c(crc, data, size);
}

//===----------------------------------------------------------------------===//
// Histogram
//===----------------------------------------------------------------------===//

namespace {
/// A float's bucket from its top 16 bits (sign, exponent, 7 mantissa bits):
/// the bucket of the lowest value with those bits. Such a cell is less than
/// 1% wide and a bucket 10%, so the value's own bucket is that one or the
/// next: one comparison finds it, with no search.
struct BucketTable {
  std::vector<int16_t> start;
  explicit BucketTable(const std::vector<double> &limits) : start(1 << 16) {
    auto bucketOf = [&](double v) {
      return (int16_t)(std::upper_bound(limits.begin(), limits.end(), v) -
                       limits.begin());
    };
    auto magnitude = [](uint32_t bits) { // |float| of bits, sign cleared
      float f;
      bits &= 0x7FFFFFFFu;
      std::memcpy(&f, &bits, 4);
      return (double)f;
    };
    for (uint32_t p = 0; p < (1u << 16); ++p) {
      const uint32_t lo = (p & 0x7FFFu) << 16, hi = lo + (1u << 16);
      if (((p >> 7) & 0xFF) == 0xFF)
        continue; // infinities and NaNs are handled before the table
      // Positive cell: [lo, hi); negative cell: (-hi, -lo].
      start[p] = (p >> 15) ? bucketOf(-magnitude(hi - 1)) : bucketOf(magnitude(lo));
    }
  }
};
} // namespace

const std::vector<double> &Histogram::limits() {
  static const std::vector<double> result = [] {
    std::vector<double> pos, neg;
    double v = 1.0e-12;
    while (v < 1.0e20) {
      pos.push_back(v);
      neg.push_back(-v);
      v *= 1.1;
    }
    pos.push_back(DBL_MAX);
    neg.push_back(-DBL_MAX);
    std::reverse(neg.begin(), neg.end());
    neg.push_back(0.0);
    neg.insert(neg.end(), pos.begin(), pos.end());
    return neg;
  }();
  return result;
}

Histogram::Histogram() { clear(); }

void Histogram::clear() {
  counts.assign(limits().size(), 0.0);
  min = DBL_MAX;
  max = -DBL_MAX;
  num = sum = sumSquares = 0;
}

void Histogram::add(const float *values, int64_t n) {
  const std::vector<double> &L = limits();
  static const BucketTable table(L);
  const int32_t last = (int32_t)L.size() - 1, size = last + 1;
  // Four lanes of counters and sums: consecutive values (often in the same
  // bucket) then update different memory and registers, which keeps the
  // loop from waiting on its own stores and additions.
  laneCounts.assign(4 * (size_t)size, 0);
  uint32_t *c = laneCounts.data();
  double s[4] = {0, 0, 0, 0}, ss[4] = {0, 0, 0, 0};
  float lo[4], hi[4];
  for (int k = 0; k < 4; ++k)
    lo[k] = INFINITY, hi[k] = -INFINITY;
  int64_t nans = 0;
  auto one = [&](int k, float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    int32_t b;
    if (((bits >> 23) & 0xFF) == 0xFF) {
      if (f != f) {
        ++nans; // NaN: not counted (TensorFlow's histogram is undefined)
        return;
      }
      b = f > 0 ? last : 0;
    } else {
      b = table.start[bits >> 16];
      b += (b < last) & (L[b] <= (double)f);
    }
    ++c[k * size + b];
    lo[k] = f < lo[k] ? f : lo[k];
    hi[k] = f > hi[k] ? f : hi[k];
    const double v = f;
    s[k] += v;
    ss[k] += v * v;
  };
  // Chunks keep the 32-bit lane counters from overflowing.
  for (int64_t chunk = 0; chunk < n; chunk += (int64_t)1 << 30) {
    const float *p = values + chunk;
    const int64_t m = std::min<int64_t>(n - chunk, (int64_t)1 << 30);
    int64_t i = 0;
    for (; i + 4 <= m; i += 4) {
      one(0, p[i]);
      one(1, p[i + 1]);
      one(2, p[i + 2]);
      one(3, p[i + 3]);
    }
    for (; i < m; ++i)
      one(0, p[i]);
    for (int32_t b = 0; b < size; ++b) {
      counts[b] += (double)c[b] + c[size + b] + c[2 * size + b] + c[3 * size + b];
      c[b] = c[size + b] = c[2 * size + b] = c[3 * size + b] = 0;
    }
  }
  for (int k = 0; k < 4; ++k) {
    min = std::min(min, (double)lo[k]);
    max = std::max(max, (double)hi[k]);
  }
  sum += (s[0] + s[1]) + (s[2] + s[3]);
  sumSquares += (ss[0] + ss[1]) + (ss[2] + ss[3]);
  num += (double)(n - nans);
}

void Histogram::encode(tb::HistogramProto &proto) const {
  const std::vector<double> &L = limits();
  proto.Clear();
  proto.set_min(min);
  proto.set_max(max);
  proto.set_num(num);
  proto.set_sum(sum);
  proto.set_sum_squares(sumSquares);
  // TensorFlow's Histogram::EncodeToProto(proto, preserve_zero_buckets=false).
  for (size_t i = 0; i < counts.size();) {
    double end = L[i], count = counts[i];
    size_t j = i + 1;
    while (count <= 0 && j < counts.size() && counts[j] <= 0) {
      end = L[j];
      count = counts[j];
      ++j;
    }
    proto.add_bucket_limit(end);
    proto.add_bucket(count);
    i = j;
  }
}

//===----------------------------------------------------------------------===//
// Writer
//===----------------------------------------------------------------------===//

namespace {
void putLE(std::string &out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out.push_back((char)(v >> (8 * i)));
}

std::string hostName() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0 || !buf[0])
    return "localhost";
  std::string host = buf;
  for (char &c : host)
    if (c == '/')
      c = '_';
  return host;
}
} // namespace

double EventWriter::now() {
  return std::chrono::duration<double>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

EventWriter::~EventWriter() {
  if (fd >= 0)
    ::close(fd);
}

dlc_status EventWriter::open(const std::string &dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return setError(DLC_ERR_IO, "%s: cannot create the event directory: %s",
                    dir.c_str(), ec.message().c_str());
  const double wall = now();
  char name[64];
  std::snprintf(name, sizeof name, "events.out.tfevents.%010lld.",
                (long long)wall);
  const std::string base = dir + "/" + name + hostName();
  for (int n = 0; n < 1000 && fd < 0; ++n) {
    path_ = n == 0 ? base : base + "." + std::to_string(n);
    fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST)
      break;
  }
  if (fd < 0)
    return setError(DLC_ERR_IO, "%s: cannot create: %s", path_.c_str(),
                    std::strerror(errno));
  tb::Event version;
  version.set_wall_time(wall);
  version.set_file_version("brain.Event:2");
  appendEvent(version);
  return flush();
}

void EventWriter::addScalar(const std::string &tag, float value) {
  tb::Summary::Value *v = summary.add_value();
  v->set_tag(tag);
  v->set_simple_value(value);
}

void EventWriter::addHistogram(const std::string &tag, const float *values,
                               int64_t n) {
  histogram.clear();
  histogram.add(values, n);
  tb::Summary::Value *v = summary.add_value();
  v->set_tag(tag);
  histogram.encode(*v->mutable_histo());
}

void EventWriter::appendEvent(const tb::Event &e) {
  payload.clear();
  e.SerializeToString(&payload);
  const size_t at = pending.size();
  putLE(pending, payload.size(), 8);
  putLE(pending, maskCrc(crc32c(0, pending.data() + at, 8)), 4);
  pending += payload;
  putLE(pending, maskCrc(crc32c(0, payload.data(), payload.size())), 4);
}

void EventWriter::appendSummary(int64_t step, double wallTime) {
  if (summary.value_size() == 0)
    return;
  event.Clear();
  event.set_wall_time(wallTime);
  event.set_step(step);
  event.mutable_summary()->Swap(&summary);
  appendEvent(event);
  summary.Clear();
}

void EventWriter::appendSessionStart(int64_t step, double wallTime) {
  event.Clear();
  event.set_wall_time(wallTime);
  event.set_step(step);
  event.mutable_session_log()->set_status(tb::SessionLog::START);
  appendEvent(event);
}

dlc_status EventWriter::flush() {
  if (fd < 0)
    return setError(DLC_ERR_INVALID_ARGUMENT, "event writer is closed");
  size_t done = 0;
  while (done < pending.size()) {
    ssize_t n = ::write(fd, pending.data() + done, pending.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      pending.erase(0, done);
      return setError(DLC_ERR_IO, "%s: cannot write: %s", path_.c_str(),
                      std::strerror(err));
    }
    done += (size_t)n;
  }
  pending.clear();
  return DLC_OK;
}

dlc_status EventWriter::close() {
  if (fd < 0)
    return DLC_OK;
  dlc_status s = flush();
  if (fsync(fd) != 0 && errno != EINVAL && s == DLC_OK)
    s = setError(DLC_ERR_IO, "%s: cannot sync: %s", path_.c_str(),
                 std::strerror(errno));
  if (::close(fd) != 0 && s == DLC_OK)
    s = setError(DLC_ERR_IO, "%s: cannot close: %s", path_.c_str(),
                 std::strerror(errno));
  fd = -1;
  return s;
}

struct dlc_event_writer {
  EventWriter writer;
};

dlc_status dlc_event_writer_open(const char *dir, dlc_event_writer **out) {
  return guarded([&]() -> dlc_status {
    if (!dir || !*dir || !out)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_event_writer_open: bad argument");
    *out = nullptr;
    auto w = std::make_unique<dlc_event_writer>();
    if (dlc_status s = w->writer.open(dir))
      return s;
    *out = w.release();
    return DLC_OK;
  });
}

dlc_status dlc_event_writer_close(dlc_event_writer *w) {
  if (!w)
    return DLC_OK;
  dlc_status s = guarded([&] { return w->writer.close(); });
  delete w;
  return s;
}

const char *dlc_event_writer_path(const dlc_event_writer *w) {
  return w ? w->writer.path().c_str() : "";
}

dlc_status dlc_event_writer_add_scalar(dlc_event_writer *w, const char *tag,
                                       float value) {
  return guarded([&]() -> dlc_status {
    if (!w || !tag)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_event_writer_add_scalar: bad argument");
    w->writer.addScalar(tag, value);
    return DLC_OK;
  });
}

dlc_status dlc_event_writer_add_histogram(dlc_event_writer *w,
                                          const char *tag,
                                          const float *values, int64_t n) {
  return guarded([&]() -> dlc_status {
    if (!w || !tag || n < 0 || (n > 0 && !values))
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_event_writer_add_histogram: bad argument");
    w->writer.addHistogram(tag, values, n);
    return DLC_OK;
  });
}

dlc_status dlc_event_writer_write(dlc_event_writer *w, int64_t step,
                                  double wall_time) {
  return guarded([&]() -> dlc_status {
    if (!w)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_event_writer_write: null writer");
    w->writer.appendSummary(step, wall_time > 0 ? wall_time
                                                : EventWriter::now());
    return w->writer.flush();
  });
}

dlc_status dlc_event_writer_session_start(dlc_event_writer *w, int64_t step,
                                          double wall_time) {
  return guarded([&]() -> dlc_status {
    if (!w)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_event_writer_session_start: null writer");
    w->writer.appendSessionStart(step, wall_time > 0 ? wall_time
                                                     : EventWriter::now());
    return w->writer.flush();
  });
}

//===----------------------------------------------------------------------===//
// Reader
//===----------------------------------------------------------------------===//

namespace {

uint64_t getLE(const unsigned char *p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v |= (uint64_t)p[i] << (8 * i);
  return v;
}

/// The C view of one parsed Event, valid while `event` lives.
struct EventView {
  std::vector<dlc_summary_value> values;
  dlc_event c{};

  void build(const tb::Event &e, int64_t offset) {
    c = dlc_event{};
    c.offset = offset;
    c.wall_time = e.wall_time();
    c.step = e.step();
    c.file_version = "";
    values.clear();
    switch (e.what_case()) {
    case tb::Event::kFileVersion:
      c.kind = DLC_EVENT_FILE_VERSION;
      c.file_version = e.file_version().c_str();
      break;
    case tb::Event::kSessionLog:
      c.kind = DLC_EVENT_SESSION_LOG;
      c.session_status = (int)e.session_log().status();
      break;
    case tb::Event::kSummary:
      c.kind = DLC_EVENT_SUMMARY;
      for (const tb::Summary::Value &v : e.summary().value()) {
        dlc_summary_value out{};
        out.tag = v.tag().c_str();
        if (v.value_case() == tb::Summary::Value::kHisto) {
          const tb::HistogramProto &h = v.histo();
          out.is_histogram = 1;
          out.histogram = dlc_histogram{
              h.min(), h.max(), h.num(), h.sum(), h.sum_squares(),
              std::min(h.bucket_limit_size(), h.bucket_size()),
              h.bucket_limit().data(), h.bucket().data()};
        } else if (v.value_case() == tb::Summary::Value::kSimpleValue) {
          out.value = v.simple_value();
        } else {
          continue; // images, audio, tensors: not read
        }
        values.push_back(out);
      }
      c.num_values = (int64_t)values.size();
      c.values = values.data();
      break;
    default:
      c.kind = DLC_EVENT_OTHER;
      break;
    }
  }
};

struct FileCloser {
  void operator()(FILE *f) const { std::fclose(f); }
};

class Reader {
public:
  Reader(const char *path, dlc_event_problem_fn onProblem, void *user)
      : path(path), onProblem(onProblem), user(user) {}

  dlc_status read(dlc_event_fn onEvent) {
    std::unique_ptr<FILE, FileCloser> f(std::fopen(path, "rb"));
    if (!f)
      return setError(DLC_ERR_IO, "%s: cannot open: %s", path,
                      std::strerror(errno));
    struct stat st;
    if (fstat(fileno(f.get()), &st) != 0)
      return setError(DLC_ERR_IO, "%s: cannot read: %s", path,
                      std::strerror(errno));
    const uint64_t fileSize = (uint64_t)st.st_size;
    uint64_t offset = 0;
    unsigned char header[12], footer[4];
    std::string data;
    tb::Event event;
    EventView view;
    while (true) {
      size_t got = std::fread(header, 1, 12, f.get());
      if (got == 0)
        break;
      if (got < 12) {
        problem(offset, "truncated record at offset %lld: %zu of its 12 "
                        "header bytes (the writer stopped mid-record?)",
                (long long)offset, got);
        break;
      }
      const uint64_t length = getLE(header, 8);
      const uint32_t lengthCrc = (uint32_t)getLE(header + 8, 4);
      const uint32_t expected = maskCrc(crc32c(0, header, 8));
      if (lengthCrc != expected) {
        problem(offset, "corrupt record at offset %lld: length CRC mismatch "
                        "(stored 0x%08x, computed 0x%08x); nothing after it "
                        "can be read",
                (long long)offset, lengthCrc, expected);
        break;
      }
      if (length > (uint64_t)1 << 34) {
        problem(offset, "corrupt record at offset %lld: implausible length "
                        "%llu",
                (long long)offset, (unsigned long long)length);
        break;
      }
      // A length beyond the file's end (a record cut short, or one whose
      // length field is corrupt with a matching CRC) is not allocated.
      const uint64_t left = fileSize > offset + 12 ? fileSize - offset - 12 : 0;
      if (length + 4 > left) {
        problem(offset, "truncated record at offset %lld: %llu of its %llu "
                        "bytes (the writer stopped mid-record?)",
                (long long)offset, (unsigned long long)(12 + left),
                (unsigned long long)(16 + length));
        break;
      }
      data.resize(length);
      got = length ? std::fread(data.data(), 1, length, f.get()) : 0;
      size_t gotFooter = got == length ? std::fread(footer, 1, 4, f.get()) : 0;
      if (got < length || gotFooter < 4) {
        problem(offset, "truncated record at offset %lld: %llu of its %llu "
                        "bytes (the writer stopped mid-record?)",
                (long long)offset,
                (unsigned long long)(12 + got + gotFooter),
                (unsigned long long)(16 + length));
        break;
      }
      if (std::ferror(f.get()))
        return setError(DLC_ERR_IO, "%s: cannot read: %s", path,
                        std::strerror(errno));
      const uint32_t dataCrc = (uint32_t)getLE(footer, 4);
      const uint32_t computed = maskCrc(crc32c(0, data.data(), length));
      const int64_t at = offset;
      offset += 16 + length;
      if (dataCrc != computed) {
        problem(at, "corrupt record at offset %lld: data CRC mismatch "
                    "(stored 0x%08x, computed 0x%08x); record skipped",
                (long long)at, dataCrc, computed);
        continue;
      }
      if (!event.ParseFromString(data)) {
        problem(at, "corrupt record at offset %lld: not an Event (%llu "
                    "bytes); record skipped",
                (long long)at, (unsigned long long)length);
        continue;
      }
      if (onEvent) {
        view.build(event, at);
        if (onEvent(&view.c, user))
          return firstStatus == DLC_OK ? DLC_INTERRUPTED : firstStatus;
      }
    }
    if (std::ferror(f.get()))
      return setError(DLC_ERR_IO, "%s: cannot read: %s", path,
                      std::strerror(errno));
    if (firstStatus != DLC_OK)
      setError(firstStatus, "%s", firstMessage.c_str());
    return firstStatus;
  }

private:
  void problem(int64_t offset, const char *fmt, ...)
      __attribute__((format(printf, 3, 4))) {
    char what[512];
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(what, sizeof what, fmt, args);
    va_end(args);
    std::string message = std::string(path) + ": " + what;
    if (firstStatus == DLC_OK) {
      firstStatus = DLC_ERR_FORMAT;
      firstMessage = message;
    }
    if (onProblem)
      onProblem(offset, message.c_str(), user);
  }

  const char *path;
  dlc_event_problem_fn onProblem;
  void *user;
  dlc_status firstStatus = DLC_OK;
  std::string firstMessage;
};

} // namespace

dlc_status dlc_event_file_read(const char *path, dlc_event_fn on_event,
                               dlc_event_problem_fn on_problem, void *user) {
  return guarded([&]() -> dlc_status {
    if (!path || !*path)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_event_file_read: no path");
    Reader reader(path, on_problem, user);
    return reader.read(on_event);
  });
}
