//===- EventFileTest.cpp - TensorBoard event files: framing, CRCs, reader -===//
//
// The expected bytes are built here by hand: a bit-at-a-time CRC-32C, the
// TFRecord framing and the protobuf encoding of the Event, Summary and
// HistogramProto fields (docs/tensorboard.md), independent of the runtime's
// table-driven CRC and of the generated protobuf code.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <map>

using namespace dlc::test;

namespace {

uint32_t crc32cBitwise(const std::string &data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : data) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k)
      crc = (crc >> 1) ^ ((crc & 1) ? 0x82F63B78u : 0u);
  }
  return ~crc;
}

uint32_t masked(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u; }

std::string le(uint64_t v, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i)
    out.push_back((char)(v >> (8 * i)));
  return out;
}

std::string doubleLE(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  return le(bits, 8);
}

std::string floatLE(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return le(bits, 4);
}

std::string varint(uint64_t v) {
  std::string out;
  do {
    unsigned char b = v & 0x7F;
    v >>= 7;
    out.push_back((char)(v ? b | 0x80 : b));
  } while (v);
  return out;
}

/// A length-delimited protobuf field.
std::string field(int number, const std::string &bytes) {
  return varint((uint64_t)number << 3 | 2) + varint(bytes.size()) + bytes;
}

std::string record(const std::string &payload) {
  std::string length = le(payload.size(), 8);
  return length + le(masked(crc32cBitwise(length)), 4) + payload +
         le(masked(crc32cBitwise(payload)), 4);
}

/// The only file in `dir` (the writer's).
std::string onlyFile(const std::string &dir) {
  std::vector<std::string> files;
  for (const auto &e : std::filesystem::directory_iterator(dir))
    files.push_back(e.path().string());
  EXPECT_EQ(files.size(), 1u);
  return files.empty() ? "" : files[0];
}

struct Scalar {
  int64_t step;
  float value;
};

/// Everything a read delivers, flattened.
struct ReadLog {
  std::vector<int64_t> offsets, kinds, steps;
  std::map<std::string, std::vector<Scalar>> scalars;
  std::map<std::string, std::vector<dlc_histogram>> histograms;
  std::vector<std::vector<double>> limits, counts; // copies of the buckets
  std::vector<std::string> versions;
  std::vector<std::pair<int64_t, std::string>> problems;
  std::vector<int64_t> sessionStarts;
};

int collect(const dlc_event *e, void *user) {
  ReadLog &log = *static_cast<ReadLog *>(user);
  log.offsets.push_back(e->offset);
  log.kinds.push_back(e->kind);
  log.steps.push_back(e->step);
  if (e->kind == DLC_EVENT_FILE_VERSION)
    log.versions.push_back(e->file_version);
  if (e->kind == DLC_EVENT_SESSION_LOG && e->session_status == DLC_SESSION_START)
    log.sessionStarts.push_back(e->step);
  for (int64_t i = 0; i < e->num_values; ++i) {
    const dlc_summary_value &v = e->values[i];
    if (v.is_histogram) {
      dlc_histogram h = v.histogram;
      log.limits.emplace_back(h.bucket_limit, h.bucket_limit + h.buckets);
      log.counts.emplace_back(h.bucket, h.bucket + h.buckets);
      h.bucket_limit = log.limits.back().data();
      h.bucket = log.counts.back().data();
      log.histograms[v.tag].push_back(h);
    } else {
      log.scalars[v.tag].push_back({e->step, v.value});
    }
  }
  return 0;
}

void problem(int64_t offset, const char *message, void *user) {
  static_cast<ReadLog *>(user)->problems.emplace_back(offset, message);
}

dlc_status readEvents(const std::string &path, ReadLog &log) {
  return dlc_event_file_read(path.c_str(), collect, problem, &log);
}

struct WriterCloser {
  void operator()(dlc_event_writer *w) const { dlc_event_writer_close(w); }
};
using WriterPtr = std::unique_ptr<dlc_event_writer, WriterCloser>;

WriterPtr openWriter(const std::string &dir) {
  dlc_event_writer *w = nullptr;
  EXPECT_EQ(dlc_event_writer_open(dir.c_str(), &w), DLC_OK) << dlc_last_error();
  return WriterPtr(w);
}

TEST(EventFileTest, Crc32cCheckValue) {
  EXPECT_EQ(dlc_crc32c(0, "123456789", 9), 0xE3069283u);
  EXPECT_EQ(crc32cBitwise("123456789"), 0xE3069283u);
  EXPECT_EQ(dlc_crc32c(dlc_crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
  // Long inputs go through the 8-bytes-at-a-time path.
  std::string text;
  for (int i = 0; i < 1000; ++i)
    text.push_back((char)(i * 7 + 3));
  for (size_t len : {0u, 1u, 7u, 8u, 9u, 63u, 64u, 999u, 1000u})
    EXPECT_EQ(dlc_crc32c(0, text.data(), len), crc32cBitwise(text.substr(0, len)))
        << len;
}

TEST(EventFileTest, RecordsMatchHandBuiltBytes) {
  TempDir dir;
  {
    WriterPtr w = openWriter(dir.path);
    ASSERT_TRUE(w);
    ASSERT_EQ(dlc_event_writer_add_scalar(w.get(), "Loss", 0.25f), DLC_OK);
    ASSERT_EQ(dlc_event_writer_add_scalar(w.get(), "Adam/Loss/raw", -1.5f),
              DLC_OK);
    ASSERT_EQ(dlc_event_writer_write(w.get(), 7, 1234.5), DLC_OK);
    ASSERT_EQ(dlc_event_writer_session_start(w.get(), 300, 1700000000.25),
              DLC_OK);
    const float values[] = {0.0f, 2.0f};
    ASSERT_EQ(dlc_event_writer_add_histogram(w.get(), "fc/W", values, 2),
              DLC_OK);
    ASSERT_EQ(dlc_event_writer_write(w.get(), 150, 2.0), DLC_OK);
  }
  const std::string bytes = readFile(onlyFile(dir.path));

  // Record 1: Event{wall_time (field 1, fixed64), file_version (field 3)}.
  ASSERT_GE(bytes.size(), 12u + 9 + 15 + 4);
  ASSERT_EQ(bytes[12], 0x09) << "wall_time comes first";
  const std::string wall = bytes.substr(13, 8);
  double wallTime;
  std::memcpy(&wallTime, wall.data(), 8);
  EXPECT_NEAR(wallTime, (double)time(nullptr), 60.0);
  const std::string first = record("\x09" + wall + field(3, "brain.Event:2"));
  EXPECT_EQ(bytes.substr(0, first.size()), first);

  // Record 2: Event{wall_time 1234.5, step 7 (field 2, varint), summary
  // (field 5) {value (1) {tag (1), simple_value (2, fixed32)} ...}}.
  const std::string summary =
      field(1, field(1, "Loss") + "\x15" + floatLE(0.25f)) +
      field(1, field(1, "Adam/Loss/raw") + "\x15" + floatLE(-1.5f));
  const std::string second = record("\x09" + doubleLE(1234.5) + "\x10\x07" +
                                    field(5, summary));
  EXPECT_EQ(bytes.substr(first.size(), second.size()), second);

  // Record 3: Event{step 300, session_log (field 7) {status (1) START = 1}}.
  const std::string third = record("\x09" + doubleLE(1700000000.25) + "\x10" +
                                   varint(300) + field(7, "\x08\x01"));
  EXPECT_EQ(bytes.substr(first.size() + second.size(), third.size()), third);

  // Record 4: a histogram (field 5 of the value) of {0, 2}: min, max, num,
  // sum, sum_squares (fields 1-5, doubles; zeros are left out), then the packed bucket limits
  // (6) and counts (7). TensorFlow's buckets put 0 in the bucket ending at
  // 1e-12 and 2 in the one ending at the first limit above 2; the empty
  // buckets before each collapse into one ending where the run ends.
  const std::vector<double> &limits = [] {
    static std::vector<double> l;
    std::vector<double> pos;
    for (double v = 1e-12; v < 1e20; v *= 1.1)
      pos.push_back(v);
    pos.push_back(DBL_MAX);
    for (auto it = pos.rbegin(); it != pos.rend(); ++it)
      l.push_back(-*it);
    l.push_back(0.0);
    l.insert(l.end(), pos.begin(), pos.end());
    return l;
  }();
  const size_t zeroBucket = std::upper_bound(limits.begin(), limits.end(), 0.0) -
                            limits.begin();
  const size_t twoBucket = std::upper_bound(limits.begin(), limits.end(), 2.0) -
                           limits.begin();
  std::string bucketLimits = doubleLE(limits[zeroBucket - 1]) +
                             doubleLE(limits[zeroBucket]) +
                             doubleLE(limits[twoBucket - 1]) +
                             doubleLE(limits[twoBucket]) +
                             doubleLE(DBL_MAX);
  std::string buckets = doubleLE(0) + doubleLE(1) + doubleLE(0) + doubleLE(1) +
                        doubleLE(0);
  // min is 0, proto3's default, which is not written.
  const std::string histo = "\x11" + doubleLE(2.0) +
                            "\x19" + doubleLE(2.0) + "\x21" + doubleLE(2.0) +
                            "\x29" + doubleLE(4.0) + field(6, bucketLimits) +
                            field(7, buckets);
  const std::string fourth =
      record("\x09" + doubleLE(2.0) + "\x10" + varint(150) +
             field(5, field(1, field(1, "fc/W") + field(5, histo))));
  const size_t at = first.size() + second.size() + third.size();
  EXPECT_EQ(bytes.substr(at, fourth.size()), fourth);
  EXPECT_EQ(bytes.size(), at + fourth.size());
}

TEST(EventFileTest, FileNameIsTensorBoards) {
  TempDir dir;
  WriterPtr a = openWriter(dir.path + "/run/sub");
  WriterPtr b = openWriter(dir.path + "/run/sub");
  ASSERT_TRUE(a && b);
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  std::string pa = dlc_event_writer_path(a.get()),
              pb = dlc_event_writer_path(b.get());
  const std::string prefix = dir.path + "/run/sub/events.out.tfevents.";
  ASSERT_EQ(pa.rfind(prefix, 0), 0u) << pa;
  std::string rest = pa.substr(prefix.size());
  ASSERT_GT(rest.size(), 11u);
  EXPECT_EQ(rest.find_first_not_of("0123456789"), 10u) << rest;
  EXPECT_EQ(rest.substr(11, std::strlen(host)), host);
  // Two writers in the same second get distinct names that sort in order.
  EXPECT_NE(pa, pb);
  EXPECT_LT(pa, pb);
}

TEST(EventFileTest, RoundTrip) {
  TempDir dir;
  std::string path;
  std::vector<float> weights;
  for (int i = 0; i < 1000; ++i)
    weights.push_back(std::sin((float)i) * std::pow(10.0f, (float)(i % 9 - 4)));
  {
    WriterPtr w = openWriter(dir.path);
    path = dlc_event_writer_path(w.get());
    for (int step = 1; step <= 50; ++step) {
      ASSERT_EQ(dlc_event_writer_add_scalar(w.get(), "Loss", 1.0f / step),
                DLC_OK);
      if (step % 10 == 0)
        ASSERT_EQ(dlc_event_writer_add_histogram(w.get(), "fc/W",
                                                 weights.data(),
                                                 (int64_t)weights.size()),
                  DLC_OK);
      ASSERT_EQ(dlc_event_writer_write(w.get(), step, 0), DLC_OK);
    }
    ASSERT_EQ(dlc_event_writer_session_start(w.get(), 20, 0), DLC_OK);
    // An event without values writes nothing.
    ASSERT_EQ(dlc_event_writer_write(w.get(), 51, 0), DLC_OK);
  }
  ReadLog log;
  ASSERT_EQ(readEvents(path, log), DLC_OK) << dlc_last_error();
  EXPECT_TRUE(log.problems.empty());
  ASSERT_EQ(log.versions, std::vector<std::string>{"brain.Event:2"});
  EXPECT_EQ(log.kinds.size(), 1u + 50 + 1);
  EXPECT_EQ(log.offsets[0], 0);
  EXPECT_EQ(log.sessionStarts, std::vector<int64_t>{20});
  ASSERT_EQ(log.scalars["Loss"].size(), 50u);
  for (int step = 1; step <= 50; ++step) {
    EXPECT_EQ(log.scalars["Loss"][step - 1].step, step);
    EXPECT_EQ(log.scalars["Loss"][step - 1].value, 1.0f / step);
  }
  ASSERT_EQ(log.histograms["fc/W"].size(), 5u);
  const dlc_histogram &h = log.histograms["fc/W"][0];
  double sum = 0, squares = 0;
  float lo = weights[0], hi = weights[0];
  for (float v : weights) {
    sum += v;
    squares += (double)v * v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  EXPECT_EQ(h.num, 1000.0);
  EXPECT_EQ(h.min, lo);
  EXPECT_EQ(h.max, hi);
  EXPECT_NEAR(h.sum, sum, 1e-9 * std::fabs(sum) + 1e-12);
  EXPECT_NEAR(h.sum_squares, squares, 1e-9 * squares);
  double total = 0;
  for (int64_t i = 0; i < h.buckets; ++i)
    total += h.bucket[i];
  EXPECT_EQ(total, 1000.0);
}

/// Un-collapses an encoded histogram into per-limit counts over `limits`.
std::map<double, double> countsByLimit(const dlc_histogram &h) {
  std::map<double, double> result;
  for (int64_t i = 0; i < h.buckets; ++i)
    if (h.bucket[i] > 0)
      result[h.bucket_limit[i]] = h.bucket[i];
  return result;
}

TEST(EventFileTest, HistogramBucketsAreTensorFlows) {
  // TensorFlow's bucket of v: the first limit greater than v (upper_bound).
  std::vector<double> limits;
  {
    std::vector<double> pos;
    for (double v = 1e-12; v < 1e20; v *= 1.1)
      pos.push_back(v);
    pos.push_back(DBL_MAX);
    for (auto it = pos.rbegin(); it != pos.rend(); ++it)
      limits.push_back(-*it);
    limits.push_back(0.0);
    limits.insert(limits.end(), pos.begin(), pos.end());
  }
  std::vector<float> values = {0.0f, -0.0f, 1e-12f, -1e-12f, 1.0f, -1.0f,
                               1e-30f, -1e-30f, 1e-40f /* denormal */,
                               3e38f, -3e38f, 2.0f, 0.5f, 1e19f, 1e21f,
                               -1e21f, INFINITY, -INFINITY};
  // Every limit (as a float, and its neighbours) is a boundary case.
  for (size_t i = 0; i < limits.size(); i += 7) {
    float f = (float)limits[i];
    if (std::isfinite(f))
      for (float v : {f, std::nextafter(f, 0.0f), std::nextafter(f, 1e30f),
                      std::nextafter(f, -1e30f)})
        values.push_back(v);
  }
  std::map<double, double> expected;
  for (float v : values) {
    size_t b = std::upper_bound(limits.begin(), limits.end(), (double)v) -
               limits.begin();
    b = std::min(b, limits.size() - 1); // +inf: the last bucket
    expected[limits[b]] += 1;
  }
  TempDir dir;
  std::string path;
  {
    WriterPtr w = openWriter(dir.path);
    path = dlc_event_writer_path(w.get());
    std::vector<float> withNan = values;
    withNan.push_back(NAN); // not counted
    ASSERT_EQ(dlc_event_writer_add_histogram(w.get(), "h", withNan.data(),
                                             (int64_t)withNan.size()),
              DLC_OK);
    ASSERT_EQ(dlc_event_writer_write(w.get(), 1, 0), DLC_OK);
  }
  ReadLog log;
  ASSERT_EQ(readEvents(path, log), DLC_OK);
  ASSERT_EQ(log.histograms["h"].size(), 1u);
  const dlc_histogram &h = log.histograms["h"][0];
  EXPECT_EQ(h.num, (double)values.size());
  EXPECT_EQ(countsByLimit(h), expected);
  // Encoded as TensorFlow encodes it: no two empty buckets in a row.
  for (int64_t i = 1; i < h.buckets; ++i)
    EXPECT_FALSE(h.bucket[i] == 0 && h.bucket[i - 1] == 0) << i;
  EXPECT_EQ(h.bucket_limit[h.buckets - 1], DBL_MAX);
}

class CorruptEventFileTest : public ::testing::Test {
protected:
  void SetUp() override {
    {
      WriterPtr w = openWriter(dir.path + "/w");
      path = dlc_event_writer_path(w.get());
      for (int step = 1; step <= 3; ++step) {
        dlc_event_writer_add_scalar(w.get(), "Loss", (float)step);
        ASSERT_EQ(dlc_event_writer_write(w.get(), step, 1000.0), DLC_OK);
      }
    }
    bytes = readFile(path);
    // Records: the version one, then 3 of the same size.
    ReadLog log;
    ASSERT_EQ(readEvents(path, log), DLC_OK);
    offsets = log.offsets;
    ASSERT_EQ(offsets.size(), 4u);
  }
  ReadLog readBytes(const std::string &contents, dlc_status expected) {
    writeFile(bad, contents);
    ReadLog log;
    EXPECT_EQ(readEvents(bad, log), expected);
    return log;
  }
  TempDir dir;
  std::string path, bytes, bad = dir.file("bad.tfevents");
  std::vector<int64_t> offsets;
};

TEST_F(CorruptEventFileTest, PayloadCrcMismatchSkipsTheRecord) {
  std::string b = bytes;
  b[offsets[2] + 14] ^= 0x40; // inside record 3's payload
  ReadLog log = readBytes(b, DLC_ERR_FORMAT);
  ASSERT_EQ(log.problems.size(), 1u);
  EXPECT_EQ(log.problems[0].first, offsets[2]);
  const std::string prefix = bad + ": corrupt record at offset " +
                             std::to_string(offsets[2]) +
                             ": data CRC mismatch";
  EXPECT_EQ(log.problems[0].second.rfind(prefix, 0), 0u)
      << log.problems[0].second;
  EXPECT_EQ(dlc_last_error(), log.problems[0].second);
  // The records before and after it are read.
  ASSERT_EQ(log.scalars["Loss"].size(), 2u);
  EXPECT_EQ(log.scalars["Loss"][0].step, 1);
  EXPECT_EQ(log.scalars["Loss"][1].step, 3);
}

TEST_F(CorruptEventFileTest, LengthCrcMismatchEndsTheReading) {
  std::string b = bytes;
  b[offsets[2] + 1] ^= 0x01; // record 3's length
  ReadLog log = readBytes(b, DLC_ERR_FORMAT);
  ASSERT_EQ(log.problems.size(), 1u);
  EXPECT_EQ(log.problems[0].second.rfind(bad + ": corrupt record at offset " +
                                             std::to_string(offsets[2]) +
                                             ": length CRC mismatch",
                                         0),
            0u)
      << log.problems[0].second;
  EXPECT_EQ(log.scalars["Loss"].size(), 1u);
}

TEST_F(CorruptEventFileTest, TruncatedLastRecord) {
  // What a writer killed mid-write would leave.
  ReadLog log = readBytes(bytes.substr(0, bytes.size() - 5), DLC_ERR_FORMAT);
  ASSERT_EQ(log.problems.size(), 1u);
  EXPECT_EQ(log.problems[0].second.rfind(
                bad + ": truncated record at offset " +
                    std::to_string(offsets[3]) + ": ",
                0),
            0u)
      << log.problems[0].second;
  EXPECT_EQ(log.scalars["Loss"].size(), 2u);
}

TEST_F(CorruptEventFileTest, ALengthBeyondTheFileIsNotAllocated) {
  // A last record whose length field claims 8 GiB with a matching CRC:
  // reported as cut short at once, without reserving 8 GiB first.
  std::string header = le(uint64_t(1) << 33, 8);
  header += le(masked(crc32cBitwise(header)), 4);
  ReadLog log = readBytes(bytes.substr(0, offsets[3]) + header, DLC_ERR_FORMAT);
  ASSERT_EQ(log.problems.size(), 1u);
  EXPECT_EQ(log.problems[0].second,
            bad + ": truncated record at offset " + std::to_string(offsets[3]) +
                ": 12 of its 8589934608 bytes (the writer stopped "
                "mid-record?)");
  EXPECT_EQ(log.scalars["Loss"].size(), 2u);
}

TEST_F(CorruptEventFileTest, NoDamageCrashesOrGoesUnnoticed) {
  for (size_t len = 0; len < bytes.size(); ++len) {
    SCOPED_TRACE("length " + std::to_string(len));
    ReadLog log = readBytes(bytes.substr(0, len),
                            std::count(offsets.begin(), offsets.end(),
                                       (int64_t)len)
                                ? DLC_OK
                                : DLC_ERR_FORMAT);
  }
  for (size_t i = 0; i < bytes.size(); ++i)
    for (unsigned char flip : {0x01, 0x80}) {
      SCOPED_TRACE("byte " + std::to_string(i));
      std::string b = bytes;
      b[i] = (char)(b[i] ^ flip);
      ReadLog log = readBytes(b, DLC_ERR_FORMAT);
      ASSERT_FALSE(log.problems.empty());
      // The damaged record is the one reported.
      int64_t record = *(std::upper_bound(offsets.begin(), offsets.end(),
                                          (int64_t)i) -
                         1);
      EXPECT_EQ(log.problems[0].first, record);
    }
}

TEST(EventFileTest, MissingFileAndBadArguments) {
  TempDir dir;
  ReadLog log;
  std::string missing = dir.file("none");
  EXPECT_EQ(readEvents(missing, log), DLC_ERR_IO);
  EXPECT_EQ(std::string(dlc_last_error()),
            missing + ": cannot open: No such file or directory");
  dlc_event_writer *w = nullptr;
  EXPECT_EQ(dlc_event_writer_open(nullptr, &w), DLC_ERR_INVALID_ARGUMENT);
  writeFile(dir.file("afile"), "x");
  EXPECT_EQ(dlc_event_writer_open(dir.file("afile/sub").c_str(), &w),
            DLC_ERR_IO);
  EXPECT_EQ(w, nullptr);
  EXPECT_NE(std::string(dlc_last_error()).find("cannot create the event "
                                               "directory"),
            std::string::npos)
      << dlc_last_error();
  EXPECT_EQ(dlc_event_writer_close(nullptr), DLC_OK);
}

} // namespace
