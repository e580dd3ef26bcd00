//===- Checkpoint.cpp - Atomic checkpoint writing and validated reading ---===//
//
// The format is specified in docs/checkpoint-format.md. Writing goes to a
// temporary file that is synced and renamed over the target, so the target
// is never half-written. Reading checks every field, then the CRC, then that
// the checkpoint belongs to the model, and only then changes the trainer.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <optional>
#include <random>
#include <sys/file.h>
#include <sys/stat.h>
#include <tuple>
#include <unistd.h>

using namespace dlc::rt;

namespace {

constexpr unsigned char kMagic[8] = {'D', 'L', 'C', 'C', 'K', 'P', 'T', 0};
constexpr uint32_t kFormatVersion = 4; // written; 1 to 4 are read
constexpr uint32_t kMaxNameLength = 4096;
constexpr int64_t kMaxFloats = int64_t(1) << 40;
constexpr bool kLittleEndian = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

/// Appends little-endian fields to a FILE while computing their CRC; the
/// first failure's errno is kept and later writes are skipped.
class Writer {
public:
  explicit Writer(FILE *f) : f(f) {}
  void bytes(const void *p, size_t n) {
    if (err)
      return;
    crc = dlc_crc32(crc, p, n);
    if (std::fwrite(p, 1, n, f) != n)
      err = errno ? errno : EIO;
  }
  void u32(uint32_t v) { fixed(v, 4); }
  void u64(uint64_t v) { fixed(v, 8); }
  void i64(int64_t v) { fixed((uint64_t)v, 8); }
  void f64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    fixed(bits, 8);
  }
  void floats(const float *p, int64_t n) {
    if constexpr (kLittleEndian) {
      bytes(p, n * 4);
    } else {
      for (int64_t i = 0; i < n; ++i) {
        uint32_t bits;
        std::memcpy(&bits, p + i, 4);
        u32(bits);
      }
    }
  }
  uint32_t crc = 0;
  int err = 0;

private:
  void fixed(uint64_t v, int n) {
    unsigned char b[8];
    for (int i = 0; i < n; ++i)
      b[i] = (unsigned char)(v >> (8 * i));
    bytes(b, n);
  }
  FILE *f;
};

void writeCheckpoint(Writer &w, const dlc_trainer &t) {
  const dlc_model_desc &d = *t.desc;
  const uint32_t nameLength = (uint32_t)std::strlen(d.name);
  w.bytes(kMagic, 8);
  w.u32(kFormatVersion);
  w.u32(nameLength);
  w.bytes(d.name, nameLength);
  w.u64(d.fingerprint);
  w.i64(d.param_floats);
  w.i64(d.opt_state_floats);
  w.i64(t.step);
  w.i64(t.epoch);
  w.i64(t.iter);
  w.i64(t.trainSamples);
  for (uint64_t word : t.rng.s)
    w.u64(word);
  w.f64(t.lossAvg);
  w.f64(t.accAvg);
  w.floats(t.params.floats(), d.param_floats);
  w.floats(t.optState.floats(), d.opt_state_floats);
  // Version 2: validation figures, preprocessing statistics.
  w.f64(t.valLoss);
  w.f64(t.valAcc);
  w.f64(t.bestValLoss);
  w.i64(t.bestStep);
  w.u32(t.prepFlags);
  w.i64(t.prepFlags ? t.prepWidth : 0);
  if (t.prepFlags & 1)
    w.floats(t.prepMean.data(), t.prepWidth);
  if (t.prepFlags & 2)
    w.floats(t.prepStd.data(), t.prepWidth);
  // Version 3: the best snapshot's validation accuracy; 4: the run id.
  w.f64(t.bestValAcc);
  w.u64(t.runId);
  w.u32(w.crc);
}

/// A name for a temporary file beside `target`, unique to this call:
/// `<target>.tmp.<16 hex digits>` from the kernel's random source and a
/// counter, so that threads, processes and processes of other PID
/// namespaces writing one path never share a temporary; `.dlc-<hex>.tmp` in
/// the same directory when the first would be longer than a file name may be.
std::string temporaryBeside(const std::string &target) {
  static std::atomic<uint64_t> counter{0};
  static thread_local std::random_device entropy;
  const uint64_t bits = ((uint64_t)entropy() << 32 | entropy()) ^
                        counter.fetch_add(0x9e3779b97f4a7c15u);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", (unsigned long long)bits);
  const size_t slash = target.rfind('/');
  const size_t nameLength =
      target.size() - (slash == std::string::npos ? 0 : slash + 1);
  if (nameLength + 5 + 16 <= NAME_MAX)
    return target + ".tmp." + hex;
  return target.substr(0, slash == std::string::npos ? 0 : slash + 1) +
         ".dlc-" + hex + ".tmp";
}

/// Creates a new temporary file beside `target` (temporaryBeside) with the
/// mode `target` has, or 0666 less the umask when it does not exist yet.
/// Returns its descriptor (-1, errno set, on failure) and its name in `tmp`.
int createTemporaryBeside(const std::string &target, std::string &tmp) {
  struct stat st;
  const bool replacing = stat(target.c_str(), &st) == 0;
  for (int attempt = 0; attempt < 16; ++attempt) {
    tmp = temporaryBeside(target);
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno == EEXIST)
      continue;
    if (fd >= 0 && replacing)
      (void)fchmod(fd, st.st_mode & 07777); // best effort, as cp -p
    return fd;
  }
  return -1; // errno: EEXIST
}

dlc_status syncDirectory(const std::string &path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "."
                    : slash == 0               ? "/"
                                               : path.substr(0, slash);
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL)) {
    int err = errno;
    if (fd >= 0)
      close(fd);
    return setError(DLC_ERR_IO, "%s: cannot sync directory '%s': %s",
                    path.c_str(), dir.c_str(), std::strerror(err));
  }
  close(fd);
  return DLC_OK;
}

} // namespace

dlc_status dlc::rt::outputTarget(const char *path, std::string &target) {
  struct stat st;
  target = path;
  if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
    char *resolved = realpath(path, nullptr);
    if (resolved) {
      target = resolved;
      std::free(resolved);
    } else if (errno == ENOENT) {
      // A link to a file not written yet: its last link's target (the
      // links are kept), followed as the kernel would, at most 40 deep.
      std::error_code ec;
      std::filesystem::path at = path;
      for (int depth = 0; std::filesystem::is_symlink(at, ec); ++depth) {
        const std::filesystem::path link = std::filesystem::read_symlink(at, ec);
        if (ec || depth == 40)
          return setError(DLC_ERR_IO,
                          "%s: cannot follow the symbolic link: %s", path,
                          ec ? ec.message().c_str() : "too many levels");
        at = link.is_absolute() ? link : at.parent_path() / link;
      }
      target = at.string();
    } else {
      return setError(DLC_ERR_IO, "%s: cannot follow the symbolic link: %s",
                      path, std::strerror(errno));
    }
  }
  if (stat(target.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode))
      return setError(DLC_ERR_IO,
                      "%s: not a regular file (%s): dlc replaces files only",
                      path,
                      S_ISDIR(st.st_mode)    ? "a directory"
                      : S_ISCHR(st.st_mode)  ? "a character device"
                      : S_ISBLK(st.st_mode)  ? "a block device"
                      : S_ISFIFO(st.st_mode) ? "a FIFO"
                      : S_ISSOCK(st.st_mode) ? "a socket"
                                             : "not a file");
  } else if (errno != ENOENT) {
    return setError(DLC_ERR_IO, "%s: %s", path, std::strerror(errno));
  }
  size_t slash = target.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : target.substr(0, slash);
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return setError(DLC_ERR_IO, "%s: no directory '%s'", path, dir.c_str());
  if (access(dir.c_str(), W_OK | X_OK) != 0)
    return setError(DLC_ERR_IO, "%s: cannot write in '%s': %s", path,
                    dir.c_str(), std::strerror(errno));
  return DLC_OK;
}

namespace {

dlc_status save(const dlc_trainer &t, const char *requested) {
  // A symbolic link is written through (its target replaced, the link
  // kept); anything but a regular file is left alone with an error.
  std::string resolved;
  if (dlc_status s = outputTarget(requested, resolved))
    return s;
  // A diverged step can leave infinities or NaN in the weights while its
  // own loss was still finite: such a state is never written.
  const dlc_model_desc &d = *t.desc;
  for (const auto &[values, count, what] :
       {std::tuple{t.params.floats(), d.param_floats, "parameter"},
        std::tuple{t.optState.floats(), d.opt_state_floats,
                   "optimizer state value"}})
    for (int64_t i = 0; i < count; ++i)
      if (!std::isfinite(values[i]))
        return setError(DLC_ERR_DIVERGED,
                        "%s: not saved: %s %lld of model '%s' is %s after "
                        "step %lld (training diverged; a lower learning "
                        "rate, or clipping, may help)",
                        requested, what, (long long)i, d.name,
                        std::isnan(values[i]) ? "NaN" : "infinite",
                        (long long)t.step);
  const char *path = resolved.c_str();
  std::string tmp;
  int fd = createTemporaryBeside(resolved, tmp);
  FILE *f = fd < 0 ? nullptr : fdopen(fd, "wb");
  if (!f) {
    int err = errno;
    if (fd >= 0) {
      close(fd);
      std::remove(tmp.c_str());
    }
    return setError(DLC_ERR_IO, "%s: cannot create '%s': %s", path,
                    tmp.c_str(), std::strerror(err));
  }
  Writer w(f);
  writeCheckpoint(w, t);
  if (!w.err && std::fflush(f) != 0)
    w.err = errno;
  if (!w.err && fsync(fileno(f)) != 0)
    w.err = errno;
  if (std::fclose(f) != 0 && !w.err)
    w.err = errno;
  if (w.err) {
    std::remove(tmp.c_str());
    return setError(DLC_ERR_IO, "%s: cannot write '%s': %s", path,
                    tmp.c_str(), std::strerror(w.err));
  }
  if (std::rename(tmp.c_str(), path) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    return setError(DLC_ERR_IO, "%s: cannot rename '%s' over it: %s", path,
                    tmp.c_str(), std::strerror(err));
  }
  return syncDirectory(path);
}

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

/// Reads little-endian fields from the file's bytes; a short read records
/// where the file ends too early.
class Reader {
public:
  Reader(const char *path, const std::vector<unsigned char> &buf)
      : path(path), buf(buf) {}
  size_t offset() const { return pos; }
  bool take(size_t n, const unsigned char *&p) {
    if (buf.size() - pos < n) {
      setError(DLC_ERR_FORMAT, "%s: truncated at offset %zu: expected %zu "
                               "more bytes",
               path, pos, n);
      return false;
    }
    p = buf.data() + pos;
    pos += n;
    return true;
  }
  bool u32(uint32_t &v) { return fixed(v, 4); }
  bool u64(uint64_t &v) { return fixed(v, 8); }
  bool i64(int64_t &v) {
    uint64_t u;
    return fixed(u, 8) && (v = (int64_t)u, true);
  }
  bool f64(double &v) {
    uint64_t u;
    return fixed(u, 8) && (std::memcpy(&v, &u, 8), true);
  }

private:
  template <typename T> bool fixed(T &v, int n) {
    const unsigned char *p;
    if (!take(n, p))
      return false;
    uint64_t x = 0;
    for (int i = 0; i < n; ++i)
      x |= (uint64_t)p[i] << (8 * i);
    v = (T)x;
    return true;
  }
  const char *path;
  const std::vector<unsigned char> &buf;
  size_t pos = 0;
};

struct Checkpoint {
  std::string name;
  uint64_t fingerprint = 0;
  int64_t paramFloats = 0, optFloats = 0;
  int64_t step = 0, epoch = 0, iter = 0, trainSamples = 0;
  dlc_rng rng{};
  double lossAvg = 0, accAvg = 0;
  const unsigned char *params = nullptr, *optState = nullptr;
  uint32_t version = 0;
  double valLoss = dlc_trainer::kNoValue, valAcc = dlc_trainer::kNoValue;
  double bestValLoss = dlc_trainer::kNoValue;
  double bestValAcc = dlc_trainer::kNoValue;
  int64_t bestStep = 0;
  uint64_t runId = 0;
  uint32_t prepFlags = 0;
  int64_t prepWidth = 0;
  const unsigned char *prepMean = nullptr, *prepStd = nullptr;
};

dlc_status readFile(const char *path, std::vector<unsigned char> &buf) {
  // O_NONBLOCK: opening a FIFO named like a checkpoint must not wait for a
  // writer; anything but a regular file is refused before reading.
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    int err = errno;
    if (fd >= 0)
      close(fd);
    return setError(DLC_ERR_IO, "%s: cannot open: %s", path,
                    std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return setError(DLC_ERR_IO, "%s: not a regular file: not a checkpoint",
                    path);
  }
  FILE *f = fdopen(fd, "rb");
  if (!f) {
    int err = errno;
    close(fd);
    return setError(DLC_ERR_IO, "%s: cannot open: %s", path,
                    std::strerror(err));
  }
  buf.reserve(st.st_size);
  return readAndClose(f, path, buf);
}

/// Parses and checks the structure and the CRC, not the model.
dlc_status parse(const char *path, const std::vector<unsigned char> &buf,
                 Checkpoint &c) {
  Reader r(path, buf);
  const unsigned char *p;
  size_t prefix = std::min<size_t>(buf.size(), 8);
  if (prefix > 0 && std::memcmp(buf.data(), kMagic, prefix) != 0)
    return setError(DLC_ERR_FORMAT,
                    "%s: not a dlc checkpoint (bad magic at offset 0)", path);
  if (!r.take(8, p))
    return DLC_ERR_FORMAT;
  uint32_t version, nameLength;
  size_t at = r.offset();
  if (!r.u32(version))
    return DLC_ERR_FORMAT;
  if (version < 1 || version > kFormatVersion)
    return setError(DLC_ERR_FORMAT,
                    "%s: unsupported checkpoint format version %u at offset "
                    "%zu (this runtime reads versions 1 to 4)",
                    path, version, at);
  c.version = version;
  at = r.offset();
  if (!r.u32(nameLength))
    return DLC_ERR_FORMAT;
  if (nameLength == 0 || nameLength > kMaxNameLength)
    return setError(DLC_ERR_FORMAT,
                    "%s: bad model name length %u at offset %zu", path,
                    nameLength, at);
  if (!r.take(nameLength, p))
    return DLC_ERR_FORMAT;
  c.name.assign((const char *)p, nameLength);
  if (!r.u64(c.fingerprint))
    return DLC_ERR_FORMAT;
  for (int64_t *count : {&c.paramFloats, &c.optFloats}) {
    at = r.offset();
    if (!r.i64(*count))
      return DLC_ERR_FORMAT;
    if (*count < 0 || *count > kMaxFloats)
      return setError(DLC_ERR_FORMAT, "%s: bad float count %lld at offset %zu",
                      path, (long long)*count, at);
  }
  const size_t positionAt = r.offset();
  if (!r.i64(c.step) || !r.i64(c.epoch) || !r.i64(c.iter) ||
      !r.i64(c.trainSamples))
    return DLC_ERR_FORMAT;
  for (uint64_t &word : c.rng.s)
    if (!r.u64(word))
      return DLC_ERR_FORMAT;
  if (!r.f64(c.lossAvg) || !r.f64(c.accAvg) ||
      !r.take(c.paramFloats * 4, c.params) ||
      !r.take(c.optFloats * 4, c.optState))
    return DLC_ERR_FORMAT;
  if (version >= 2) {
    if (!r.f64(c.valLoss) || !r.f64(c.valAcc) || !r.f64(c.bestValLoss) ||
        !r.i64(c.bestStep))
      return DLC_ERR_FORMAT;
    at = r.offset();
    if (!r.u32(c.prepFlags))
      return DLC_ERR_FORMAT;
    // Bits 0-1: statistics stored below; 4-6: samplewise operations and
    // per_channel (BatchPipeline.h, docs/data-pipeline.md); others unused.
    if (c.prepFlags & ~0x73u)
      return setError(DLC_ERR_FORMAT,
                      "%s: bad preprocessing flags 0x%x at offset %zu", path,
                      c.prepFlags, at);
    at = r.offset();
    if (!r.i64(c.prepWidth))
      return DLC_ERR_FORMAT;
    if (c.prepWidth < 0 || c.prepWidth > kMaxFloats ||
        (c.prepFlags == 0 && c.prepWidth != 0))
      return setError(DLC_ERR_FORMAT,
                      "%s: bad preprocessing width %lld at offset %zu", path,
                      (long long)c.prepWidth, at);
    if (((c.prepFlags & 1) && !r.take(c.prepWidth * 4, c.prepMean)) ||
        ((c.prepFlags & 2) && !r.take(c.prepWidth * 4, c.prepStd)))
      return DLC_ERR_FORMAT;
  }
  if (version >= 3 && !r.f64(c.bestValAcc))
    return DLC_ERR_FORMAT;
  if (version >= 4 && !r.u64(c.runId))
    return DLC_ERR_FORMAT;
  if (version < 3 && c.bestStep == c.step) {
    // Before version 3 only a snapshot that is itself the best one tells
    // the best accuracy: its latest validation's.
    c.bestValAcc = c.valAcc;
  }
  const size_t crcAt = r.offset();
  uint32_t stored;
  if (!r.u32(stored))
    return DLC_ERR_FORMAT;
  if (r.offset() != buf.size())
    return setError(DLC_ERR_FORMAT,
                    "%s: %zu unexpected byte%s after the checksum at offset "
                    "%zu",
                    path, buf.size() - r.offset(),
                    buf.size() - r.offset() == 1 ? "" : "s", r.offset());
  uint32_t computed = dlc_crc32(0, buf.data(), crcAt);
  if (stored != computed)
    return setError(DLC_ERR_FORMAT,
                    "%s: checksum mismatch (CRC-32 stored at offset %zu is "
                    "0x%08x, contents give 0x%08x): the file is corrupted",
                    path, crcAt, stored, computed);
  // Values are checked once the CRC says they are what was written.
  if (c.step < 0 || c.epoch < 0 || c.iter < 0 || c.trainSamples < 0 ||
      (c.iter > 0 && c.iter >= c.trainSamples))
    return setError(DLC_ERR_FORMAT,
                    "%s: bad training position at offset %zu (step %lld, "
                    "epoch %lld, iter %lld of %lld)",
                    path, positionAt, (long long)c.step, (long long)c.epoch,
                    (long long)c.iter, (long long)c.trainSamples);
  // dlc never writes NaN or infinity in the state (a diverged step is not
  // saved), and a file that holds one would predict NaN: another writer's.
  auto f32At = [](const unsigned char *p) {
    uint32_t bits = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
    float v;
    std::memcpy(&v, &bits, 4);
    return v;
  };
  const struct {
    const unsigned char *data;
    int64_t count;
    const char *what;
  } arrays[] = {{c.params, c.paramFloats, "parameter"},
                {c.optState, c.optFloats, "optimizer state value"},
                {c.prepMean, c.prepMean ? c.prepWidth : 0,
                 "preprocessing mean"},
                {c.prepStd, c.prepStd ? c.prepWidth : 0,
                 "preprocessing standard deviation"}};
  for (const auto &a : arrays)
    for (int64_t i = 0; i < a.count; ++i) {
      const float v = f32At(a.data + 4 * i);
      const bool negativeStd = a.data == c.prepStd && v < 0;
      if (!std::isfinite(v) || negativeStd)
        return setError(DLC_ERR_FORMAT,
                        "%s: %s %lld is %s at offset %zu: not a state dlc "
                        "writes",
                        path, a.what, (long long)i,
                        std::isnan(v)   ? "NaN"
                        : negativeStd ? "negative"
                                        : "infinite",
                        size_t(a.data + 4 * i - buf.data()));
    }
  // The two moving averages end where the parameters start.
  const size_t averagesAt = size_t(c.params - buf.data()) - 16;
  if (!std::isfinite(c.lossAvg) || !std::isfinite(c.accAvg))
    return setError(DLC_ERR_FORMAT,
                    "%s: the moving average of the %s is %g at offset %zu: "
                    "not a state dlc writes",
                    path, std::isfinite(c.lossAvg) ? "accuracy" : "loss",
                    std::isfinite(c.lossAvg) ? c.accAvg : c.lossAvg,
                    averagesAt + (std::isfinite(c.lossAvg) ? 8 : 0));
  return DLC_OK;
}

void copyFloats(float *dst, const unsigned char *src, int64_t n) {
  if (n <= 0)
    return;
  if constexpr (kLittleEndian) {
    std::memcpy(dst, src, n * 4);
  } else {
    for (int64_t i = 0; i < n; ++i) {
      uint32_t bits = 0;
      for (int k = 0; k < 4; ++k)
        bits |= (uint32_t)src[4 * i + k] << (8 * k);
      std::memcpy(dst + i, &bits, 4);
    }
  }
}

/// Whether `path` starts as a checkpoint of a format version this runtime
/// does not know yet (written by a newer dlc, not damaged).
bool fromNewerRuntime(const std::string &path) {
  unsigned char head[12];
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return false;
  const bool whole = std::fread(head, 1, sizeof head, f) == sizeof head;
  std::fclose(f);
  return whole && std::memcmp(head, kMagic, 8) == 0 &&
         (head[8] | head[9] << 8 | head[10] << 16 | (uint32_t)head[11] << 24) >
             kFormatVersion;
}

dlc_status load(dlc_trainer &t, const char *path) {
  std::vector<unsigned char> buf;
  if (dlc_status s = readFile(path, buf))
    return s;
  Checkpoint c;
  if (dlc_status s = parse(path, buf, c))
    return s;
  const dlc_model_desc &d = *t.desc;
  if (c.name != d.name || c.fingerprint != d.fingerprint)
    return setError(DLC_ERR_MISMATCH,
                    "%s: checkpoint is for model '%s' (fingerprint 0x%016llx), "
                    "not '%s' (fingerprint 0x%016llx)",
                    path, c.name.c_str(), (unsigned long long)c.fingerprint,
                    d.name, (unsigned long long)d.fingerprint);
  if (c.paramFloats != d.param_floats || c.optFloats != d.opt_state_floats)
    return setError(DLC_ERR_MISMATCH,
                    "%s: checkpoint holds %lld parameter and %lld optimizer "
                    "floats; model '%s' has %lld and %lld",
                    path, (long long)c.paramFloats, (long long)c.optFloats,
                    d.name, (long long)d.param_floats,
                    (long long)d.opt_state_floats);
  if (c.prepFlags && c.prepWidth != t.model->inputWidth)
    return setError(DLC_ERR_MISMATCH,
                    "%s: checkpoint holds preprocessing statistics of %lld "
                    "features; model '%s' takes %lld",
                    path, (long long)c.prepWidth, d.name,
                    (long long)t.model->inputWidth);
  std::vector<float> mean(c.prepMean ? c.prepWidth : 0),
      stddev(c.prepStd ? c.prepWidth : 0);
  copyFloats(mean.data(), c.prepMean, (int64_t)mean.size());
  copyFloats(stddev.data(), c.prepStd, (int64_t)stddev.size());
  copyFloats(t.params.floats(), c.params, c.paramFloats);
  copyFloats(t.optState.floats(), c.optState, c.optFloats);
  t.step = c.step, t.epoch = c.epoch, t.iter = c.iter;
  t.trainSamples = c.trainSamples, t.rng = c.rng;
  t.lossAvg = c.lossAvg, t.accAvg = c.accAvg;
  t.valLoss = c.valLoss, t.valAcc = c.valAcc;
  t.bestValLoss = c.bestValLoss, t.bestStep = c.bestStep;
  t.bestValAcc = c.bestValAcc;
  t.prepFlags = c.prepFlags, t.prepWidth = c.prepWidth;
  t.prepMean = std::move(mean);
  t.prepStd = std::move(stddev);
  t.loadedFrom = canonicalName(
      std::filesystem::path(canonicalName(path)).parent_path().string());
  // A state from before run ids is of the run of its directory's old files.
  t.runId = c.runId != 0 ? c.runId : legacyRunId(t, t.loadedFrom);
  t.damagedSnapshots.clear();
  t.skippedSnapshots.clear();
  return DLC_OK;
}

//===----------------------------------------------------------------------===//
// Checkpoint directories
//===----------------------------------------------------------------------===//

/// DIR/NAME, without doubling a slash DIR ends with.
std::string inDirectory(const std::string &dir, const std::string &name) {
  return !dir.empty() && dir.back() == '/' ? dir + name : dir + "/" + name;
}

std::string snapshotPrefix(const dlc_trainer &t) {
  return std::string(t.desc->name) + "-";
}

/// The snapshots of the trainer's model in `dir` as (step, path), oldest
/// first. Temporaries and the best checkpoint are not snapshots.
std::vector<std::pair<int64_t, std::string>>
listSnapshots(const dlc_trainer &t, const std::string &dir) {
  std::vector<std::pair<int64_t, std::string>> result;
  const std::string prefix = snapshotPrefix(t), suffix = ".ckpt";
  std::error_code ec;
  for (const auto &entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= prefix.size() + suffix.size() ||
        name.compare(0, prefix.size(), prefix) != 0 ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const std::string digits = name.substr(
        prefix.size(), name.size() - prefix.size() - suffix.size());
    if (digits.size() > 18 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      continue;
    result.emplace_back(std::stoll(digits), inDirectory(dir, name));
  }
  std::sort(result.begin(), result.end());
  return result;
}

dlc_status ensureDirectory(const std::string &dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return setError(DLC_ERR_IO, "%s: cannot create the checkpoint directory: "
                                "%s",
                    dir.c_str(), ec.message().c_str());
  return DLC_OK;
}

} // namespace

/// Whether the file at `path` holds exactly what saving `t` would write.
static bool holdsState(const dlc_trainer &t, const std::string &path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return false;
  char *text = nullptr;
  size_t size = 0;
  FILE *memory = open_memstream(&text, &size);
  if (!memory)
    return false;
  Writer w(memory);
  writeCheckpoint(w, t);
  const bool written = std::fclose(memory) == 0 && !w.err;
  std::vector<unsigned char> existing;
  const bool same = written && (size_t)st.st_size == size &&
                    readFile(path.c_str(), existing) == DLC_OK &&
                    existing.size() == size &&
                    std::memcmp(existing.data(), text, size) == 0;
  std::free(text);
  return same;
}

dlc_status dlc::rt::saveSnapshot(const dlc_trainer &t, const std::string &dir,
                                 int64_t maxKeep, std::string &path) {
  if (dlc_status s = ensureDirectory(dir))
    return s;
  path = inDirectory(dir, snapshotPrefix(t) + std::to_string(t.step) + ".ckpt");
  // The snapshot of this very state is there already (dlc train's final
  // save after an epoch-end snapshot): rewriting it would only give the
  // best checkpoint's hard link a stale twin.
  if (!holdsState(t, path))
    if (dlc_status s = save(t, path.c_str()))
      return s;
  if (maxKeep <= 0)
    return DLC_OK;
  // Only once the new snapshot is durable do the old ones go.
  auto snapshots = listSnapshots(t, dir);
  for (size_t i = 0; i + maxKeep < snapshots.size(); ++i)
    if (snapshots[i].second != path)
      std::remove(snapshots[i].second.c_str());
  return DLC_OK;
}

static const std::string &entryPath(const std::string &path) { return path; }
static const std::string &
entryPath(const std::pair<std::string, std::string> &entry) {
  return entry.first;
}


std::string dlc::rt::canonicalName(const std::string &path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : p.string();
}

namespace {
/// What a checkpoint directory's file says of its run.
struct FileRun {
  enum Kind {
    Unknown,    // unreadable, damaged or cut short: nobody's run
    Legacy,     // of this model, from before run ids (versions 1 to 3)
    Id,         // of this model, of run `id` (version 4)
    OtherModel, // a valid header of another model with this name
  } kind = Unknown;
  uint64_t id = 0;
};
} // namespace

/// Classifies the file at `path` from its header and its last 12 bytes (the
/// run id, then the CRC): a version 4 file counts as of run `id` only when
/// its size is the one its header and the model give.
static FileRun runOf(const dlc_trainer &t, const std::string &path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return {};
  auto u32At = [](const unsigned char *p) {
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
  };
  auto u64At = [](const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v |= (uint64_t)p[i] << (8 * i);
    return v;
  };
  const dlc_model_desc &d = *t.desc;
  const size_t nameLength = std::strlen(d.name);
  // The header through P and O: magic, version, L, name, fingerprint, P, O.
  std::vector<unsigned char> head(40 + nameLength);
  unsigned char tail[12], prep[12];
  struct stat st;
  bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
            (size_t)st.st_size >= head.size() + 12 &&
            pread(fd, head.data(), head.size(), 0) == (ssize_t)head.size() &&
            pread(fd, tail, 12, st.st_size - 12) == 12 &&
            std::memcmp(head.data(), kMagic, 8) == 0;
  const uint32_t version = ok ? u32At(&head[8]) : 0;
  const bool sameModel =
      ok && u32At(&head[12]) == nameLength &&
      std::memcmp(&head[16], d.name, nameLength) == 0 &&
      u64At(&head[16 + nameLength]) == d.fingerprint &&
      (int64_t)u64At(&head[24 + nameLength]) == d.param_floats &&
      (int64_t)u64At(&head[32 + nameLength]) == d.opt_state_floats;
  // E: the end of the optimizer state (docs/checkpoint-format.md).
  const uint64_t e = 120 + nameLength + 4 * (uint64_t)d.param_floats +
                     4 * (uint64_t)d.opt_state_floats;
  if (ok && sameModel && version == 4)
    ok = (uint64_t)st.st_size > e + 44 && pread(fd, prep, 12, e + 32) == 12;
  close(fd);
  if (!ok || version < 1 || version > 4)
    return {};
  if (!sameModel)
    return {FileRun::OtherModel, 0};
  if (version <= 3)
    return {FileRun::Legacy, 0};
  const uint32_t flags = u32At(prep);
  const uint64_t width = u64At(prep + 4);
  const uint64_t arrays = (flags & 1) + ((flags >> 1) & 1);
  if (width > ((uint64_t)1 << 40) ||
      (uint64_t)st.st_size != e + 44 + 4 * width * arrays + 8 + 8 + 4)
    return {}; // cut short, or grown: damaged
  return {FileRun::Id, u64At(tail)};
}

/// The files of the model in `dir`: its snapshots, newest first, then its
/// best checkpoint.
static std::vector<std::string> runFiles(const dlc_trainer &t,
                                         const std::string &dir) {
  std::vector<std::string> files;
  auto snapshots = listSnapshots(t, dir);
  for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it)
    files.push_back(it->second);
  std::error_code ec;
  const std::string best =
      inDirectory(dir, std::string(t.desc->name) + "-best.ckpt");
  if (std::filesystem::exists(best, ec))
    files.push_back(best);
  return files;
}

uint64_t dlc::rt::legacyRunId(const dlc_trainer &t, const std::string &dir) {
  // The run that went on among them, if one did (its version 4 files are
  // there), else one made from the directory's name (odd, never 0).
  for (const std::string &file : runFiles(t, dir)) {
    FileRun run = runOf(t, file);
    if (run.kind == FileRun::Id)
      return run.id;
  }
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : canonicalName(dir))
    h = (h ^ c) * 1099511628211ull;
  return h | 1;
}

dlc_status dlc::rt::checkSnapshotDirectory(const dlc_trainer &t,
                                           const std::string &dir,
                                           int64_t lastStep) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return DLC_OK; // created by the first snapshot
  const char *name = t.desc->name;
  auto listed = [](const auto &list, const std::string &path) {
    const std::string file = canonicalName(path);
    for (const auto &entry : list)
      if (canonicalName(entryPath(entry)) == file)
        return true;
    return false;
  };
  const auto snapshots = listSnapshots(t, dir);
  // Each file's run; files from before run ids are of the directory's run.
  const uint64_t legacy = legacyRunId(t, dir);
  auto runIdOf = [&](const std::string &file) -> std::optional<uint64_t> {
    FileRun run = runOf(t, file);
    switch (run.kind) {
    case FileRun::Unknown:
      return std::nullopt;
    case FileRun::Legacy:
      return legacy;
    case FileRun::Id:
      return run.id;
    case FileRun::OtherModel:
      return 0; // never a run id: another run
    }
    return std::nullopt;
  };
  // 1. Another run's snapshots would be mixed with this run's (the newest
  // of both resumed), rotated away by max_checkpoints, its best replaced.
  // A file whose run cannot be told (damaged; not a checkpoint) is nobody's
  // run: it does not block (an old one may be rotated away).
  for (const std::string &file : runFiles(t, dir)) {
    if (listed(t.damagedSnapshots, file) || listed(t.skippedSnapshots, file))
      continue;
    std::optional<uint64_t> id = runIdOf(file);
    if (!id || *id == t.runId)
      continue;
    if (*id == 0)
      return setError(
          DLC_ERR_MISMATCH,
          "%s: the checkpoint directory holds %s, a checkpoint of another "
          "model of this name (another network), which this run would mix "
          "with its own snapshots, replace or delete; choose another "
          "directory or move its files away",
          dir.c_str(), file.c_str());
    return setError(
        DLC_ERR_MISMATCH,
        "%s: the checkpoint directory holds %s, a checkpoint of another "
        "training run, which this run would mix with its own snapshots, "
        "replace or delete. To continue that run, resume from the directory "
        "(dlc train --resume %s, dlc_trainer_load_latest); to start another, "
        "choose another directory or move its files away",
        dir.c_str(), file.c_str(), dir.c_str());
  }
  // 2. Any later snapshot of this run: resuming from an older state than
  // the directory's newest would overwrite it, or write a second history
  // beside it (which --resume DIR would not take, and --max-checkpoints
  // would rotate). A file passed over as unreadable matters only if the run
  // reaches its step; a damaged one is nobody's.
  std::string newest;
  int64_t newestStep = 0, count = 0;
  for (const auto &[step, path] : snapshots) {
    if (step <= t.step || listed(t.damagedSnapshots, path))
      continue;
    for (const auto &[skipped, why] : t.skippedSnapshots)
      if (canonicalName(skipped) == canonicalName(path)) {
        if (step > lastStep)
          break;
        return setError(
            DLC_ERR_MISMATCH,
            "%s (step %lld) is newer than the snapshot this run resumed "
            "from, and the run would overwrite it, but it was passed over: "
            "%s. Move it away or fix it first",
            path.c_str(), (long long)step, why.c_str());
      }
    if (runIdOf(path) != t.runId)
      continue; // skipped above, or damaged: nobody's
    ++count;
    newest = path, newestStep = step;
  }
  if (count > 0)
    return setError(
        DLC_ERR_MISMATCH,
        "%s: the checkpoint directory holds %lld later snapshot%s of this "
        "run of model '%s' (after step %lld, where it starts; the newest: "
        "%s, step %lld), which it would overwrite or fork. To continue from "
        "the newest, resume from the directory (dlc train --resume %s, "
        "dlc_trainer_load_latest); else choose another directory or move "
        "those files away",
        dir.c_str(), (long long)count, count == 1 ? "" : "s", name,
        (long long)t.step, newest.c_str(), (long long)newestStep, dir.c_str());
  return DLC_OK;
}

bool dlc::rt::holdsRun(const dlc_trainer &t, const std::string &dir,
                       uint64_t runId) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return false;
  const uint64_t legacy = legacyRunId(t, dir);
  for (const std::string &file : runFiles(t, dir)) {
    FileRun run = runOf(t, file);
    if ((run.kind == FileRun::Legacy && legacy == runId) ||
        (run.kind == FileRun::Id && run.id == runId))
      return true;
  }
  return false;
}

dlc_status dlc::rt::lockSnapshotDirectory(const std::string &dir, int &fd,
                                          bool &created) {
  fd = -1;
  std::error_code ec;
  created = !std::filesystem::exists(dir, ec);
  if (dlc_status s = ensureDirectory(dir))
    return s;
  fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return setError(DLC_ERR_IO, "%s: cannot open the checkpoint directory: %s",
                    dir.c_str(), std::strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
    close(fd);
    fd = -1;
    return setError(DLC_ERR_MISMATCH,
                    "%s: another training process is writing snapshots in "
                    "this checkpoint directory (it holds its lock); wait for "
                    "it to end, or choose another directory",
                    dir.c_str());
  }
  return DLC_OK; // (a file system without locks: unlocked)
}

dlc_status dlc::rt::saveBest(const dlc_trainer &t, const std::string &dir,
                             const std::string &snapshot) {
  if (dlc_status s = ensureDirectory(dir))
    return s;
  const std::string best =
      inDirectory(dir, std::string(t.desc->name) + "-best.ckpt");
  if (!snapshot.empty()) {
    // The snapshot of this very step is the best checkpoint: give it a
    // second name (atomically, through a temporary link) instead of writing
    // the same bytes again.
    std::string tmp = temporaryBeside(best);
    int linked = link(snapshot.c_str(), tmp.c_str());
    for (int attempt = 0; linked != 0 && errno == EEXIST && attempt < 16;
         ++attempt)
      linked = link(snapshot.c_str(), (tmp = temporaryBeside(best)).c_str());
    if (linked == 0) {
      if (std::rename(tmp.c_str(), best.c_str()) == 0)
        return syncDirectory(best);
      std::remove(tmp.c_str());
    }
  }
  return save(t, best.c_str());
}

dlc_status dlc_trainer_save_snapshot(const dlc_trainer *trainer,
                                     const char *dir, int64_t max_keep,
                                     char *path_out, size_t path_size) {
  return guarded([&]() -> dlc_status {
    if (!trainer || !dir || !*dir || max_keep < 0)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_trainer_save_snapshot: bad argument");
    // The same rules as a training run's snapshots: one writer at a time
    // (the lock), one run's snapshots in the directory.
    int fd = -1;
    bool created = false;
    // From the trainer's own training run (its on_step): under its lock.
    if (trainer->lockedDirectory != canonicalName(dir))
      if (dlc_status s = lockSnapshotDirectory(dir, fd, created))
        return s;
    struct Unlock {
      int fd;
      ~Unlock() {
        if (fd >= 0)
          close(fd);
      }
    } unlock{fd};
    if (dlc_status s = checkSnapshotDirectory(*trainer, dir, trainer->step))
      return s;
    std::string path;
    if (dlc_status s = saveSnapshot(*trainer, dir, max_keep, path))
      return s;
    if (path_out && path_size)
      std::snprintf(path_out, path_size, "%s", path.c_str());
    return DLC_OK;
  });
}

dlc_status dlc_trainer_load_latest(dlc_trainer *trainer, const char *dir,
                                   dlc_notice_fn notice, void *user,
                                   char *path_out, size_t path_size) {
  return guarded([&]() -> dlc_status {
    if (!trainer || !dir || !*dir)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_trainer_load_latest: bad argument");
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
      return setError(DLC_ERR_IO, "%s: not a checkpoint directory", dir);
    auto snapshots = listSnapshots(*trainer, dir);
    if (snapshots.empty())
      return setError(DLC_ERR_IO,
                      "%s: no checkpoint of model '%s' (%s<step>.ckpt) in "
                      "this directory",
                      dir, trainer->desc->name,
                      snapshotPrefix(*trainer).c_str());
    dlc_status last = DLC_OK;
    std::vector<std::string> damaged;
    std::vector<std::pair<std::string, std::string>> skipped;
    for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it) {
      last = load(*trainer, it->second.c_str());
      if (last == DLC_OK) {
        trainer->damagedSnapshots = std::move(damaged);
        trainer->skippedSnapshots = std::move(skipped);
        if (path_out && path_size)
          std::snprintf(path_out, path_size, "%s", it->second.c_str());
        return DLC_OK;
      }
      if (notice && std::next(it) != snapshots.rend()) {
        std::string message = std::string(dlc_last_error()) +
                              "; trying the previous checkpoint, " +
                              std::next(it)->second;
        notice(message.c_str(), user);
      }
      // Only a damaged file may be written over by the run that resumes
      // here; one that could not be opened or read is left alone.
      if (last == DLC_ERR_FORMAT && !fromNewerRuntime(it->second))
        damaged.push_back(it->second);
      else
        skipped.emplace_back(it->second, dlc_last_error());
    }
    return last; // the oldest one's error is in dlc_last_error()
  });
}

dlc_status dlc_trainer_save(const dlc_trainer *trainer, const char *path) {
  return guarded([&]() -> dlc_status {
    if (!trainer || !path || !*path)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_trainer_save: bad argument");
    return save(*trainer, path);
  });
}

dlc_status dlc_output_file_target(const char *path, char *target,
                                  size_t target_size) {
  return guarded([&]() -> dlc_status {
    if (!path || !*path)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_output_file_target: bad argument");
    std::string resolved;
    if (dlc_status s = outputTarget(path, resolved))
      return s;
    if (target && target_size > 0)
      std::snprintf(target, target_size, "%s", resolved.c_str());
    return DLC_OK;
  });
}

dlc_status dlc_trainer_load(dlc_trainer *trainer, const char *path) {
  return guarded([&]() -> dlc_status {
    if (!trainer || !path || !*path)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_trainer_load: bad argument");
    return load(*trainer, path);
  });
}
