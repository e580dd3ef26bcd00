//===- DataReaders.cpp - IDX, CIFAR-10 and NumPy readers, splitting -------===//
//
// Binary data sets (docs/data.md). Every diagnostic names the file and, for
// its contents, the byte offset: "FILE: offset N: ..." (offsets into gzip
// files count uncompressed bytes and say so).
//
//===----------------------------------------------------------------------===//

#include "DataReaders.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numeric>
#include <thread>

#include <zlib.h>

using namespace dlc::rt;

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

dlc_status dlc::rt::readFileBytes(const char *path, FileBytes &out) {
  out = FileBytes();
  FILE *f = std::fopen(path, "rb");
  if (!f)
    return setError(DLC_ERR_IO, "%s: cannot open: %s", path,
                    std::strerror(errno));
  std::vector<unsigned char> packed;
  if (dlc_status s = readAndClose(f, path, packed))
    return s;
  out.gzip = packed.size() >= 2 && packed[0] == 0x1f && packed[1] == 0x8b;
  if (!out.gzip) {
    out.data = std::move(packed);
    return DLC_OK;
  }
  // Its gzip members one after another (gzip -c a b > c makes one file of
  // two); anything after them that is not a gzip member is an error, where
  // gzread would ignore it.
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
    return setError(DLC_ERR_OUT_OF_MEMORY, "%s: cannot start zlib", path);
  struct End {
    z_stream &z;
    ~End() { inflateEnd(&z); }
  } end{z};
  size_t at = 0, used = 0; // compressed bytes consumed, bytes produced
  out.data.resize(1 << 20);
  while (true) {
    if (out.data.size() - used < (1 << 18))
      out.data.resize(out.data.size() * 2);
    z.next_in = packed.data() + at;
    z.avail_in = (uInt)std::min<size_t>(packed.size() - at, 1u << 30);
    z.next_out = out.data.data() + used;
    z.avail_out = (uInt)std::min<size_t>(out.data.size() - used, 1u << 30);
    const uInt inBefore = z.avail_in, outBefore = z.avail_out;
    int code = inflate(&z, Z_NO_FLUSH);
    at += inBefore - z.avail_in;
    used += outBefore - z.avail_out;
    if (code == Z_STREAM_END) {
      // Zero bytes after the last member (block padding) are ignored, as
      // gzip does; anything else is not gzip data.
      if (std::all_of(packed.begin() + at, packed.end(),
                      [](unsigned char b) { return b == 0; }))
        break;
      if (packed.size() - at < 2 || packed[at] != 0x1f ||
          packed[at + 1] != 0x8b)
        return setError(DLC_ERR_FORMAT,
                        "%s: offset %zu: %zu byte%s after the gzip data that "
                        "%s not gzip data",
                        path, at, packed.size() - at,
                        packed.size() - at == 1 ? "" : "s",
                        packed.size() - at == 1 ? "is" : "are");
      inflateReset(&z); // the next member
      continue;
    }
    if (code == Z_OK)
      continue;
    if (code == Z_BUF_ERROR && at == packed.size()) { // ends inside a stream
      out.gzipTruncated = "unexpected end of file";
      break;
    }
    if (code == Z_BUF_ERROR) // output full: grow and go on
      continue;
    return setError(DLC_ERR_FORMAT,
                    "%s: offset %zu (uncompressed): corrupt gzip data: %s",
                    path, used, z.msg ? z.msg : "unknown zlib error");
  }
  out.data.resize(used);
  out.data.shrink_to_fit();
  return DLC_OK;
}

const float *dlc::rt::byteScale() {
  static const struct Table {
    Table() {
      for (int i = 0; i < 256; ++i)
        v[i] = (float)(i / 255.0);
    }
    float v[256];
  } table;
  return table.v;
}

void dlc::rt::scaleBytes(const unsigned char *in, size_t n, float *out) {
  const float *scale = byteScale();
  auto run = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i)
      out[i] = scale[in[i]];
  };
  const size_t kChunk = size_t(1) << 22;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  threads = (unsigned)std::min<size_t>(threads, (n + kChunk - 1) / kChunk);
  if (threads <= 1)
    return run(0, n);
  std::vector<std::thread> pool;
  const size_t per = (n + threads - 1) / threads;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(run, std::min(n, t * per), std::min(n, (t + 1) * per));
  run(0, std::min(n, per));
  for (std::thread &t : pool)
    t.join();
}

void dlc::rt::initOneHot(dlc_dataset &data, int64_t n, int64_t classes) {
  data.y.assign((size_t)(n * classes), 0.0f);
  data.targetWidth = classes;
  data.numClasses = classes;
}

namespace {

uint32_t bigEndian32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         (uint32_t)p[3];
}

/// The error for data that ran out: "FILE: offset END: truncated: WHAT".
dlc_status truncated(const char *path, const FileBytes &f, const char *what,
                     size_t from, size_t need) {
  std::string note;
  if (!f.gzipTruncated.empty())
    note = " (the gzip stream is cut short: " + f.gzipTruncated + ")";
  return setError(DLC_ERR_FORMAT,
                  "%s: offset %zu%s: truncated: expected %zu bytes of %s "
                  "from offset %zu, found %zu%s",
                  path, f.data.size(), offsetNote(f), need, what, from,
                  f.data.size() - from, note.c_str());
}

/// Bytes after the data a header describes: a damaged header (a count too
/// small) or another file appended; either way not what it claims to be.
dlc_status trailing(const char *path, const FileBytes &f, const char *what,
                    size_t end) {
  if (f.data.size() <= end)
    return DLC_OK;
  return setError(DLC_ERR_FORMAT,
                  "%s: offset %zu%s: %zu unexpected bytes after the %s (the "
                  "header describes a file that ends here)",
                  path, end, offsetNote(f), f.data.size() - end, what);
}

/// A gzip stream cut short after complete contents is still an error.
dlc_status checkGzipComplete(const char *path, const FileBytes &f) {
  if (f.gzipTruncated.empty())
    return DLC_OK;
  return setError(DLC_ERR_FORMAT,
                  "%s: offset %zu (uncompressed): the gzip stream is cut "
                  "short: %s",
                  path, f.data.size(), f.gzipTruncated.c_str());
}

//===----------------------------------------------------------------------===//
// IDX
//===----------------------------------------------------------------------===//

dlc_status loadIdx(const char *imagesPath, const char *labelsPath,
                   int64_t classes, dlc_dataset &ds) {
  FileBytes img, lab;
  if (dlc_status s = readFileBytes(imagesPath, img))
    return s;
  if (dlc_status s = readFileBytes(labelsPath, lab))
    return s;

  // Images: magic, count, rows, columns, then the pixels.
  if (img.data.size() < 4)
    return truncated(imagesPath, img, "IDX header", 0, 16);
  uint32_t magic = bigEndian32(img.data.data());
  if (magic != 0x00000803)
    return setError(DLC_ERR_FORMAT,
                    "%s: offset 0: bad magic 0x%08x: not an IDX image file "
                    "(expected 0x00000803: unsigned bytes, 3 dimensions)",
                    imagesPath, magic);
  if (img.data.size() < 16)
    return truncated(imagesPath, img, "IDX header", 0, 16);
  const int64_t n = bigEndian32(img.data.data() + 4);
  const int64_t rows = bigEndian32(img.data.data() + 8);
  const int64_t cols = bigEndian32(img.data.data() + 12);
  if (n == 0 || rows == 0 || cols == 0)
    return setError(DLC_ERR_FORMAT,
                    "%s: offset 4%s: empty data set: %lld images of %lldx%lld",
                    imagesPath, offsetNote(img), (long long)n, (long long)rows,
                    (long long)cols);
  // Each factor is below 2^32: the products cannot wrap in 128 bits.
  const unsigned __int128 wide = (unsigned __int128)n * rows * cols;
  const size_t pixels = (size_t)(rows * cols);
  if (wide > (unsigned __int128)1 << 40)
    return setError(DLC_ERR_FORMAT,
                    "%s: offset 4%s: the header describes %lld images of "
                    "%lldx%lld, %.3g bytes of pixels: more than dlc reads "
                    "(1 TiB); a damaged header",
                    imagesPath, offsetNote(img), (long long)n, (long long)rows,
                    (long long)cols, (double)wide);
  const size_t need = (size_t)wide;
  if (img.data.size() - 16 < need) {
    std::string what = "pixels (" + std::to_string(n) + " images of " +
                       std::to_string(rows) + "x" + std::to_string(cols) + ")";
    return truncated(imagesPath, img, what.c_str(), 16, need);
  }
  if (dlc_status s = trailing(imagesPath, img, "pixels", 16 + need))
    return s;
  if (dlc_status s = checkGzipComplete(imagesPath, img))
    return s;

  // Labels: magic, count, then one byte each.
  if (lab.data.size() < 4)
    return truncated(labelsPath, lab, "IDX header", 0, 8);
  magic = bigEndian32(lab.data.data());
  if (magic != 0x00000801)
    return setError(DLC_ERR_FORMAT,
                    "%s: offset 0: bad magic 0x%08x: not an IDX label file "
                    "(expected 0x00000801: unsigned bytes, 1 dimension)",
                    labelsPath, magic);
  if (lab.data.size() < 8)
    return truncated(labelsPath, lab, "IDX header", 0, 8);
  const int64_t nLabels = bigEndian32(lab.data.data() + 4);
  if (nLabels != n)
    return setError(DLC_ERR_MISMATCH,
                    "%s: offset 4%s: %lld labels, but %s holds %lld images",
                    labelsPath, offsetNote(lab), (long long)nLabels, imagesPath,
                    (long long)n);
  if (lab.data.size() - 8 < (size_t)n)
    return truncated(labelsPath, lab, "labels", 8, (size_t)n);
  if (dlc_status s = trailing(labelsPath, lab, "labels", 8 + (size_t)n))
    return s;
  if (dlc_status s = checkGzipComplete(labelsPath, lab))
    return s;

  const unsigned char *labels = lab.data.data() + 8;
  for (int64_t i = 0; i < n; ++i)
    if (labels[i] >= classes)
      return setError(DLC_ERR_FORMAT,
                      "%s: offset %lld%s: label %u out of range for %lld "
                      "classes",
                      labelsPath, (long long)(8 + i), offsetNote(lab),
                      labels[i], (long long)classes);

  ds.n = n;
  ds.inputWidth = (int64_t)pixels;
  ds.height = rows;
  ds.width = cols;
  ds.channels = 1;
  ds.x.resize(need);
  scaleBytes(img.data.data() + 16, need, ds.x.data());
  initOneHot(ds, n, classes);
  for (int64_t i = 0; i < n; ++i)
    ds.y[(size_t)(i * classes + labels[i])] = 1.0f;
  return DLC_OK;
}

//===----------------------------------------------------------------------===//
// CIFAR-10
//===----------------------------------------------------------------------===//

constexpr size_t kCifarPixels = 32 * 32, kCifarRecord = 1 + 3 * kCifarPixels;

dlc_status appendCifar(const char *path, dlc_dataset &ds) {
  FileBytes f;
  if (dlc_status s = readFileBytes(path, f))
    return s;
  const size_t size = f.data.size();
  if (size == 0)
    return setError(DLC_ERR_FORMAT, "%s: empty: no CIFAR-10 records", path);
  if (size % kCifarRecord != 0) {
    size_t start = size / kCifarRecord * kCifarRecord;
    return setError(DLC_ERR_FORMAT,
                    "%s: offset %zu%s: truncated record %zu: expected %zu "
                    "bytes (1 label + 3072 pixels), found %zu",
                    path, start, offsetNote(f), start / kCifarRecord,
                    kCifarRecord, size - start);
  }
  if (dlc_status s = checkGzipComplete(path, f))
    return s;
  const size_t records = size / kCifarRecord;
  for (size_t r = 0; r < records; ++r)
    if (f.data[r * kCifarRecord] > 9)
      return setError(DLC_ERR_FORMAT,
                      "%s: offset %zu%s: label %u out of range for 10 "
                      "classes (record %zu)",
                      path, r * kCifarRecord, offsetNote(f),
                      f.data[r * kCifarRecord], r);
  const float *scale = byteScale();
  const size_t first = (size_t)ds.n;
  ds.x.resize((first + records) * 3 * kCifarPixels);
  ds.y.resize((first + records) * 10, 0.0f);
  for (size_t r = 0; r < records; ++r) {
    const unsigned char *rec = f.data.data() + r * kCifarRecord;
    ds.y[(first + r) * 10 + rec[0]] = 1.0f;
    float *x = ds.x.data() + (first + r) * 3 * kCifarPixels;
    for (size_t i = 0; i < kCifarPixels; ++i)
      for (size_t c = 0; c < 3; ++c)
        x[i * 3 + c] = scale[rec[1 + c * kCifarPixels + i]];
  }
  ds.n = (int64_t)(first + records);
  return DLC_OK;
}

//===----------------------------------------------------------------------===//
// NumPy .npy
//===----------------------------------------------------------------------===//

enum class DType { F4, F8, U1, I4, I8 };

struct NpyArray {
  DType dtype = DType::F4;
  std::string descr;
  std::vector<int64_t> shape;
  size_t dataOffset = 0;
  FileBytes file;

  int64_t count() const {
    int64_t c = 1;
    for (int64_t d : shape)
      c *= d;
    return c;
  }
  size_t itemSize() const {
    switch (dtype) {
    case DType::F4:
    case DType::I4:
      return 4;
    case DType::F8:
    case DType::I8:
      return 8;
    case DType::U1:
      return 1;
    }
    return 1;
  }
  const unsigned char *data() const { return file.data.data() + dataOffset; }
  /// Element i as a double (little-endian storage).
  double at(int64_t i) const {
    const unsigned char *p = data() + (size_t)i * itemSize();
    switch (dtype) {
    case DType::U1:
      return *p;
    case DType::F4: {
      float v;
      std::memcpy(&v, p, 4);
      return v;
    }
    case DType::F8: {
      double v;
      std::memcpy(&v, p, 8);
      return v;
    }
    case DType::I4: {
      int32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    case DType::I8: {
      int64_t v;
      std::memcpy(&v, p, 8);
      return (double)v;
    }
    }
    return 0;
  }
  int64_t intAt(int64_t i) const {
    const unsigned char *p = data() + (size_t)i * itemSize();
    if (dtype == DType::I8) {
      int64_t v;
      std::memcpy(&v, p, 8);
      return v;
    }
    return (int64_t)at(i);
  }
};

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

/// Parses the header dict: {'descr': '<f4', 'fortran_order': False,
/// 'shape': (2, 3), } — the subset of Python literals numpy writes.
class HeaderParser {
public:
  HeaderParser(const char *path, const std::string &text, size_t base)
      : path(path), text(text), base(base) {}

  dlc_status parse(std::string &descr, bool &fortran,
                   std::vector<int64_t> &shape) {
    bool haveDescr = false, haveFortran = false, haveShape = false;
    skip();
    if (!eat('{'))
      return fail("expected '{'");
    while (true) {
      skip();
      if (eat('}'))
        break;
      size_t keyAt = pos;
      std::string key;
      if (!string(key))
        return fail("expected a quoted key or '}'");
      skip();
      if (!eat(':'))
        return fail("expected ':'");
      skip();
      if (key == "descr") {
        if (!string(descr))
          return fail("expected a quoted dtype after 'descr'");
        haveDescr = true;
      } else if (key == "fortran_order") {
        if (text.compare(pos, 4, "True") == 0)
          fortran = true, pos += 4;
        else if (text.compare(pos, 5, "False") == 0)
          fortran = false, pos += 5;
        else
          return fail("expected True or False after 'fortran_order'");
        haveFortran = true;
      } else if (key == "shape") {
        if (!eat('('))
          return fail("expected '(' after 'shape'");
        shape.clear();
        while (true) {
          skip();
          if (eat(')'))
            break;
          size_t numAt = pos;
          int64_t v = 0;
          bool digits = false;
          while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (v > (INT64_MAX - 9) / 10)
              return failAt(numAt, "dimension out of range");
            v = v * 10 + (text[pos++] - '0');
            digits = true;
          }
          if (pos < text.size() && text[pos] == 'L') // Python 2 longs
            ++pos;
          if (!digits)
            return fail("expected a dimension or ')'");
          shape.push_back(v);
          skip();
          if (eat(')'))
            break;
          if (!eat(','))
            return fail("expected ',' or ')' in the shape");
        }
        haveShape = true;
      } else {
        return failAt(keyAt, ("unexpected key '" + key + "'").c_str());
      }
      skip();
      if (eat('}'))
        break;
      if (!eat(','))
        return fail("expected ',' or '}'");
    }
    if (!haveDescr || !haveFortran || !haveShape)
      return failAt(0, "the header lacks 'descr', 'fortran_order' or "
                       "'shape'");
    return DLC_OK;
  }

private:
  void skip() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' ||
                                 text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
  }
  bool eat(char c) {
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool string(std::string &out) {
    if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"'))
      return false;
    char q = text[pos];
    size_t end = text.find(q, pos + 1);
    if (end == std::string::npos)
      return false;
    out = text.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    return true;
  }
  dlc_status fail(const char *what) { return failAt(pos, what); }
  dlc_status failAt(size_t at, const char *what) {
    return setError(DLC_ERR_FORMAT, "%s: offset %zu: bad .npy header: %s", path,
                    base + at, what);
  }

  const char *path;
  const std::string &text;
  size_t base, pos = 0;
};

dlc_status readNpy(const char *path, NpyArray &a) {
  if (dlc_status s = readFileBytes(path, a.file))
    return s;
  const std::vector<unsigned char> &b = a.file.data;
  static const unsigned char kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  size_t prefix = std::min<size_t>(b.size(), 6);
  if (std::memcmp(b.data(), kMagic, prefix) != 0)
    return setError(DLC_ERR_FORMAT,
                    "%s: offset 0: not a NumPy .npy file (bad magic)", path);
  if (b.size() < 8)
    return truncated(path, a.file, ".npy preamble", 0, 10);
  const unsigned major = b[6], minor = b[7];
  if (major < 1 || major > 3 || minor != 0)
    return setError(DLC_ERR_FORMAT,
                    "%s: offset 6: unsupported .npy format version %u.%u "
                    "(this runtime reads 1.0, 2.0 and 3.0)",
                    path, major, minor);
  const size_t lenBytes = major == 1 ? 2 : 4, headerAt = 8 + lenBytes;
  if (b.size() < headerAt)
    return truncated(path, a.file, ".npy preamble", 0, headerAt);
  size_t headerLen = b[8] | (size_t)b[9] << 8;
  if (major > 1)
    headerLen |= (size_t)b[10] << 16 | (size_t)b[11] << 24;
  if (b.size() - headerAt < headerLen)
    return truncated(path, a.file, ".npy header", headerAt, headerLen);
  std::string header((const char *)b.data() + headerAt, headerLen);
  bool fortran = false;
  HeaderParser parser(path, header, headerAt);
  if (dlc_status s = parser.parse(a.descr, fortran, a.shape))
    return s;
  if (fortran)
    return setError(DLC_ERR_FORMAT,
                    "%s: offset %zu: fortran_order is True: only C-order "
                    "arrays are supported (save np.ascontiguousarray(a))",
                    path, headerAt);
  static const struct {
    const char *name;
    DType type;
  } kTypes[] = {{"<f4", DType::F4},
                {"<f8", DType::F8},
                {"|u1", DType::U1},
                {"<i4", DType::I4},
                {"<i8", DType::I8}};
  bool known = false;
  for (const auto &t : kTypes)
    if (a.descr == t.name)
      a.dtype = t.type, known = true;
  if (!known)
    return setError(DLC_ERR_FORMAT,
                    "%s: offset %zu: unsupported dtype '%s' (supported: "
                    "'<f4', '<f8', '|u1'; labels also '<i4', '<i8')",
                    path, headerAt, a.descr.c_str());
  a.dataOffset = headerAt + headerLen;
  size_t need = a.itemSize();
  for (int64_t d : a.shape)
    if (__builtin_mul_overflow(need, (size_t)d, &need))
      return setError(DLC_ERR_FORMAT, "%s: offset %zu: shape %s is too large",
                      path, headerAt, shapeText(a.shape).c_str());
  if (b.size() - a.dataOffset < need)
    return truncated(path, a.file, ("array data " + shapeText(a.shape)).c_str(),
                     a.dataOffset, need);
  if (dlc_status s = trailing(path, a.file,
                              ("array data " + shapeText(a.shape)).c_str(),
                              a.dataOffset + need))
    return s;
  return checkGzipComplete(path, a.file);
}

/// `values` (array `a`'s elements as float32) must be finite: NaN or
/// infinity (or a float64 beyond float32's range) would only spread through
/// training.
dlc_status checkFinite(const char *path, const NpyArray &a,
                       const std::vector<float> &values) {
  for (size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i])) {
      const double v = a.at((int64_t)i);
      return setError(DLC_ERR_FORMAT,
                      "%s: offset %zu%s: element %zu, %g, is %s", path,
                      a.dataOffset + i * a.itemSize(), offsetNote(a.file), i,
                      v,
                      std::isfinite(v) ? "out of range for float32"
                                       : "not a finite number");
    }
  return DLC_OK;
}

dlc_status loadNpy(const char *xPath, const char *yPath, int64_t classes,
                   dlc_dataset &ds) {
  NpyArray x, y;
  if (dlc_status s = readNpy(xPath, x))
    return s;
  if (x.dtype != DType::F4 && x.dtype != DType::F8 && x.dtype != DType::U1)
    return setError(DLC_ERR_FORMAT,
                    "%s: dtype '%s' for inputs: expected '<f4', '<f8' or "
                    "'|u1'",
                    xPath, x.descr.c_str());
  if (x.shape.empty() || x.shape[0] == 0)
    return setError(DLC_ERR_FORMAT,
                    "%s: shape %s: expected [examples, ...] with at least "
                    "one example",
                    xPath, shapeText(x.shape).c_str());
  const int64_t n = x.shape[0], width = x.count() / n;
  if (width == 0)
    return setError(DLC_ERR_FORMAT, "%s: shape %s: empty examples", xPath,
                    shapeText(x.shape).c_str());
  if (dlc_status s = readNpy(yPath, y))
    return s;
  if (y.shape.empty() || y.shape.size() > 2)
    return setError(DLC_ERR_FORMAT,
                    "%s: shape %s: expected labels [n] or targets [n, k]",
                    yPath, shapeText(y.shape).c_str());
  if (y.shape[0] != n)
    return setError(DLC_ERR_MISMATCH,
                    "%s: %lld rows, but %s holds %lld examples", yPath,
                    (long long)y.shape[0], xPath, (long long)n);

  ds.n = n;
  ds.inputWidth = width;
  if (x.shape.size() == 4) {
    ds.height = x.shape[1];
    ds.width = x.shape[2];
    ds.channels = x.shape[3];
  }
  ds.x.resize((size_t)(n * width));
  if (x.dtype == DType::F4)
    std::memcpy(ds.x.data(), x.data(), ds.x.size() * 4);
  else
    for (int64_t i = 0; i < n * width; ++i)
      ds.x[(size_t)i] = (float)x.at(i);
  if (dlc_status s = checkFinite(xPath, x, ds.x))
    return s;

  // A model with one output (a sigmoid's 0/1, a regression's value) takes
  // y of shape [n] as its targets, as [n, 1] would be: one-hot rows one wide
  // could hold label 0 only.
  if (y.shape.size() == 1 && classes == 1)
    y.shape.push_back(1);
  if (y.shape.size() == 2) {
    if (y.shape[1] == 0)
      return setError(DLC_ERR_FORMAT, "%s: shape %s: empty targets", yPath,
                      shapeText(y.shape).c_str());
    ds.targetWidth = y.shape[1];
    ds.numClasses = y.shape[1];
    ds.y.resize((size_t)y.count());
    for (int64_t i = 0; i < y.count(); ++i)
      ds.y[(size_t)i] = (float)y.at(i);
    return checkFinite(yPath, y, ds.y);
  }
  if (y.dtype != DType::U1 && y.dtype != DType::I4 && y.dtype != DType::I8)
    return setError(DLC_ERR_FORMAT,
                    "%s: dtype '%s' for labels of shape %s: expected '|u1', "
                    "'<i4' or '<i8' (or targets of shape [n, k])",
                    yPath, y.descr.c_str(), shapeText(y.shape).c_str());
  int64_t maxLabel = 0;
  for (int64_t i = 0; i < n; ++i) {
    int64_t v = y.intAt(i);
    if (v < 0)
      return setError(DLC_ERR_FORMAT, "%s: offset %zu: label %lld is negative",
                      yPath, y.dataOffset + (size_t)i * y.itemSize(),
                      (long long)v);
    if (classes > 0 && v >= classes)
      return setError(DLC_ERR_FORMAT,
                      "%s: offset %zu: label %lld out of range for %lld "
                      "classes",
                      yPath, y.dataOffset + (size_t)i * y.itemSize(),
                      (long long)v, (long long)classes);
    maxLabel = std::max(maxLabel, v);
  }
  if (classes == 0) {
    if (maxLabel >= (int64_t)1 << 24)
      return setError(DLC_ERR_FORMAT,
                      "%s: largest label %lld: too many classes for one-hot "
                      "rows",
                      yPath, (long long)maxLabel);
    classes = maxLabel + 1;
  }
  initOneHot(ds, n, classes);
  for (int64_t i = 0; i < n; ++i)
    ds.y[(size_t)(i * classes + y.intAt(i))] = 1.0f;
  return DLC_OK;
}

dlc_dataset *copyRows(const dlc_dataset &d, int64_t from, int64_t count) {
  auto out = std::make_unique<dlc_dataset>();
  out->n = count;
  out->inputWidth = d.inputWidth;
  out->targetWidth = d.targetWidth;
  out->height = d.height;
  out->width = d.width;
  out->channels = d.channels;
  out->numClasses = d.numClasses;
  out->classNames = d.classNames;
  out->x.assign(d.x.begin() + from * d.inputWidth,
                d.x.begin() + (from + count) * d.inputWidth);
  if (d.targetWidth > 0)
    out->y.assign(d.y.begin() + from * d.targetWidth,
                  d.y.begin() + (from + count) * d.targetWidth);
  return out.release();
}

/// The rows idx[0..count) of `d`, in that order.
dlc_dataset *copyRowsAt(const dlc_dataset &d, const int64_t *idx,
                        int64_t count) {
  std::unique_ptr<dlc_dataset> out(copyRows(d, 0, 0));
  out->n = count;
  out->x.resize((size_t)(count * d.inputWidth));
  out->y.resize((size_t)(count * d.targetWidth));
  for (int64_t i = 0; i < count; ++i) {
    std::copy_n(d.x.begin() + idx[i] * d.inputWidth, d.inputWidth,
                out->x.begin() + i * d.inputWidth);
    std::copy_n(d.y.begin() + idx[i] * d.targetWidth, d.targetWidth,
                out->y.begin() + i * d.targetWidth);
  }
  return out.release();
}

} // namespace

//===----------------------------------------------------------------------===//
// C API
//===----------------------------------------------------------------------===//

dlc_status dlc_dataset_load_idx(const char *images_path,
                                const char *labels_path, int64_t num_classes,
                                dlc_dataset **out) {
  return guarded([&]() -> dlc_status {
    if (out)
      *out = nullptr;
    if (!images_path || !labels_path || !out || num_classes < 0 ||
        num_classes > 256)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_dataset_load_idx: bad argument");
    auto ds = std::make_unique<dlc_dataset>();
    if (dlc_status s = loadIdx(images_path, labels_path,
                               num_classes ? num_classes : 10, *ds))
      return s;
    *out = ds.release();
    return DLC_OK;
  });
}

dlc_status dlc_dataset_load_cifar10(const char *const *paths, int64_t n_paths,
                                    dlc_dataset **out) {
  return guarded([&]() -> dlc_status {
    if (out)
      *out = nullptr;
    if (!paths || n_paths < 1 || !out)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_dataset_load_cifar10: bad argument");
    for (int64_t i = 0; i < n_paths; ++i)
      if (!paths[i])
        return setError(DLC_ERR_INVALID_ARGUMENT,
                        "dlc_dataset_load_cifar10: paths[%lld] is NULL",
                        (long long)i);
    auto ds = std::make_unique<dlc_dataset>();
    for (int64_t i = 0; i < n_paths; ++i)
      if (dlc_status s = appendCifar(paths[i], *ds))
        return s;
    ds->inputWidth = 3 * kCifarPixels;
    ds->targetWidth = ds->numClasses = 10;
    ds->height = ds->width = 32;
    ds->channels = 3;
    *out = ds.release();
    return DLC_OK;
  });
}

dlc_status dlc_dataset_load_npy(const char *x_path, const char *y_path,
                                int64_t num_classes, dlc_dataset **out) {
  return guarded([&]() -> dlc_status {
    if (out)
      *out = nullptr;
    if (!x_path || !y_path || !out || num_classes < 0 ||
        num_classes > ((int64_t)1 << 24))
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_dataset_load_npy: bad argument");
    auto ds = std::make_unique<dlc_dataset>();
    if (dlc_status s = loadNpy(x_path, y_path, num_classes, *ds))
      return s;
    *out = ds.release();
    return DLC_OK;
  });
}

dlc_status dlc_dataset_split(const dlc_dataset *data, double fraction,
                             dlc_dataset **train, dlc_dataset **val) {
  return guarded([&]() -> dlc_status {
    if (train)
      *train = nullptr;
    if (val)
      *val = nullptr;
    if (!data || !train || !val)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_dataset_split: bad argument");
    if (!(fraction > 0.0 && fraction < 1.0))
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "validation fraction %g is not in (0, 1)", fraction);
    // TFLearn: split_at = int(n_train_samples * (1 - validation_set)).
    const int64_t n = data->n;
    const int64_t at = (int64_t)std::floor((double)n * (1.0 - fraction));
    if (at < 1 || at >= n)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "a validation fraction of %g of %lld examples leaves "
                      "%lld for training and %lld for validation: both "
                      "need at least one",
                      fraction, (long long)n,
                      (long long)std::max<int64_t>(at, 0),
                      (long long)(n - std::max<int64_t>(at, 0)));
    // TFLearn shuffles before it splits (np.random.shuffle(index_array)),
    // whatever `shuffle` says: data sorted by class (image folders) would
    // otherwise validate on its last classes only. The permutation is
    // fixed (seed 0): every run on the same data, --resume included,
    // validates on the same examples. Each part keeps the file's order.
    std::vector<int64_t> idx((size_t)n);
    std::iota(idx.begin(), idx.end(), int64_t(0));
    dlc_rng rng;
    dlc_rng_seed(&rng, 0);
    dlc_rng_shuffle(&rng, idx.data(), n);
    std::sort(idx.begin(), idx.begin() + at);
    std::sort(idx.begin() + at, idx.end());
    std::unique_ptr<dlc_dataset> t(copyRowsAt(*data, idx.data(), at));
    std::unique_ptr<dlc_dataset> v(copyRowsAt(*data, idx.data() + at, n - at));
    *train = t.release();
    *val = v.release();
    return DLC_OK;
  });
}

int dlc_dataset_image_shape(const dlc_dataset *data, int64_t hwc[3]) {
  bool known = data && data->height > 0;
  if (hwc) {
    hwc[0] = known ? data->height : 0;
    hwc[1] = known ? data->width : 0;
    hwc[2] = known ? data->channels : 0;
  }
  return known ? 1 : 0;
}

int64_t dlc_dataset_num_classes(const dlc_dataset *data) {
  return data ? data->numClasses : 0;
}

const char *dlc_dataset_class_name(const dlc_dataset *data, int64_t index) {
  if (!data || index < 0 || index >= (int64_t)data->classNames.size())
    return nullptr;
  return data->classNames[(size_t)index].c_str();
}
