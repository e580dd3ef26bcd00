//===- DataImages.cpp - Image folders: JPEG and PNG, decoded in parallel --===//
//
// DIR/<class>/<image>.{jpg,jpeg,png}, TFLearn's image_preloader(mode=
// 'folder', categorical_labels=True, normalize=True): classes are the sorted
// sub-folder names, pixels / 255, one-hot labels. Files are decoded on all
// CPUs into their slots (the order is the listing's, whatever the thread
// timing), and the decoded bytes are kept in a small per-process cache keyed
// by the folder's canonical path and a signature of every file's name, size
// and modification time.
//
// libjpeg and libpng report errors through callbacks that must not return;
// they longjmp back to the decoder, which keeps only trivially destructible
// objects alive across the jump.
//
//===----------------------------------------------------------------------===//

#include "DataReaders.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include <jpeglib.h>
#include <png.h>
#include <sys/stat.h>

namespace fs = std::filesystem;
using namespace dlc::rt;

namespace {

struct Shape {
  int64_t h = 0, w = 0, c = 0;
  bool operator==(const Shape &o) const {
    return h == o.h && w == o.w && c == o.c;
  }
  std::string text() const {
    return std::to_string(h) + "x" + std::to_string(w) + "x" +
           std::to_string(c);
  }
};

/// Larger images are refused rather than allocated (a corrupt header).
constexpr size_t kMaxImageBytes = size_t(1) << 30;

/// Decodes into `pixels` (HWC bytes, grown as needed); on failure returns
/// false with `error` set (without the file name).
using Decoder = bool (*)(const unsigned char *data, size_t size,
                         std::vector<unsigned char> &pixels, Shape &shape,
                         std::string &error);

//===----------------------------------------------------------------------===//
// JPEG
//===----------------------------------------------------------------------===//

struct JpegError {
  jpeg_error_mgr mgr;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

extern "C" void jpegErrorExit(j_common_ptr cinfo) {
  JpegError *e = reinterpret_cast<JpegError *>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, e->message);
  std::longjmp(e->jump, 1);
}

extern "C" void jpegEmitMessage(j_common_ptr cinfo, int level) {
  // A warning (level -1) means corrupt data that libjpeg would paper over
  // (a truncated file decodes as grey): refuse it as an error.
  if (level < 0)
    jpegErrorExit(cinfo);
}

bool decodeJpeg(const unsigned char *data, size_t size,
                std::vector<unsigned char> &pixels, Shape &shape,
                std::string &error) {
  jpeg_decompress_struct cinfo;
  JpegError err;
  err.message[0] = 0;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpegErrorExit;
  err.mgr.emit_message = jpegEmitMessage;
  // Locals written after setjmp and read after the jump must be volatile.
  volatile bool created = false;
  if (setjmp(err.jump)) {
    if (created)
      jpeg_destroy_decompress(&cinfo);
    error = std::string("corrupt JPEG: ") + err.message;
    return false;
  }
  jpeg_create_decompress(&cinfo);
  created = true;
  jpeg_mem_src(&cinfo, data, (unsigned long)size);
  jpeg_read_header(&cinfo, TRUE);
  int channels;
  switch (cinfo.jpeg_color_space) {
  case JCS_GRAYSCALE:
    cinfo.out_color_space = JCS_GRAYSCALE;
    channels = 1;
    break;
  case JCS_CMYK:
  case JCS_YCCK:
    jpeg_destroy_decompress(&cinfo);
    error = "unsupported JPEG colour space (CMYK)";
    return false;
  default:
    cinfo.out_color_space = JCS_RGB;
    channels = 3;
  }
  jpeg_start_decompress(&cinfo);
  const size_t stride = (size_t)cinfo.output_width * channels;
  const size_t bytes = stride * cinfo.output_height;
  if (bytes > kMaxImageBytes) {
    jpeg_destroy_decompress(&cinfo);
    error = "image too large: " + std::to_string(cinfo.output_height) + "x" +
            std::to_string(cinfo.output_width);
    return false;
  }
  if (pixels.size() < bytes) {
    // Allocation may throw: do it outside the jump's reach.
    jpeg_destroy_decompress(&cinfo);
    created = false;
    pixels.resize(bytes);
    return decodeJpeg(data, size, pixels, shape, error);
  }
  unsigned char *out = pixels.data();
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out + (size_t)cinfo.output_scanline * stride;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  shape = {(int64_t)cinfo.output_height, (int64_t)cinfo.output_width, channels};
  jpeg_destroy_decompress(&cinfo);
  created = false;
  return true;
}

//===----------------------------------------------------------------------===//
// PNG
//===----------------------------------------------------------------------===//

struct PngSource {
  const unsigned char *data;
  size_t size, pos;
  char message[256];
  char dataWarning[256]; // a warning about the image data (too much of it)
};

extern "C" void pngRead(png_structp png, png_bytep out, png_size_t n) {
  PngSource *src = static_cast<PngSource *>(png_get_io_ptr(png));
  if (src->size - src->pos < n)
    png_error(png, "unexpected end of file");
  std::memcpy(out, src->data + src->pos, n);
  src->pos += n;
}

extern "C" void pngError(png_structp png, png_const_charp message) {
  PngSource *src = static_cast<PngSource *>(png_get_error_ptr(png));
  std::snprintf(src->message, sizeof src->message, "%s", message);
  png_longjmp(png, 1);
}

// libpng warns, and goes on, where the pixel data does not fit the header
// ("IDAT: Too much image data", "Extra compressed data" in IDAT): corrupt
// pixels, as the JPEG reader treats libjpeg's warnings. Warnings about
// ancillary chunks (text, colour profiles) are harmless.
extern "C" void pngWarning(png_structp png, png_const_charp message) {
  PngSource *src = static_cast<PngSource *>(png_get_error_ptr(png));
  if (!src->dataWarning[0] &&
      (std::strstr(message, "IDAT") || std::strstr(message, "image data")))
    std::snprintf(src->dataWarning, sizeof src->dataWarning, "%s", message);
}

bool decodePng(const unsigned char *data, size_t size,
               std::vector<unsigned char> &pixels, Shape &shape,
               std::string &error) {
  if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
    error = "corrupt PNG: bad signature";
    return false;
  }
  PngSource src{data, size, 0, {0}, {0}};
  png_structp png =
      png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, pngError, pngWarning);
  if (!png) {
    error = "cannot create the PNG decoder";
    return false;
  }
  png_infop info = png_create_info_struct(png);
  // Written after setjmp, read after the jump: volatile.
  png_bytep *volatile rows = nullptr;
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
    std::free(rows);
    error = std::string("corrupt PNG: ") +
            (src.message[0] ? src.message : "cannot decode");
    return false;
  }
  png_set_read_fn(png, &src, pngRead);
  png_read_info(png, info);
  const png_uint_32 width = png_get_image_width(png, info),
                    height = png_get_image_height(png, info);
  const int colorType = png_get_color_type(png, info);
  // 8-bit gray or RGB out of every kind: palettes expand, low bit depths
  // widen, 16 bits drop to 8, alpha (and tRNS) is dropped.
  if (colorType == PNG_COLOR_TYPE_PALETTE)
    png_set_palette_to_rgb(png);
  if (colorType == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8)
    png_set_expand_gray_1_2_4_to_8(png);
  png_set_strip_16(png);
  // A palette's transparency (tRNS) becomes alpha when it expands.
  if ((colorType & PNG_COLOR_MASK_ALPHA) ||
      (colorType == PNG_COLOR_TYPE_PALETTE &&
       png_get_valid(png, info, PNG_INFO_tRNS)))
    png_set_strip_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const int channels = png_get_channels(png, info);
  const size_t stride = png_get_rowbytes(png, info);
  if ((channels != 1 && channels != 3) ||
      stride != (size_t)width * (size_t)channels)
    png_error(png, "unsupported pixel layout");
  const size_t bytes = stride * height;
  if (bytes > kMaxImageBytes)
    png_error(png, "image too large");
  if (pixels.size() < bytes) {
    png_destroy_read_struct(&png, &info, nullptr);
    pixels.resize(bytes); // may throw: outside the jump's reach
    return decodePng(data, size, pixels, shape, error);
  }
  rows = static_cast<png_bytep *>(std::malloc(sizeof(png_bytep) * height));
  if (!rows)
    png_error(png, "out of memory");
  for (png_uint_32 y = 0; y < height; ++y)
    rows[y] = pixels.data() + (size_t)y * stride;
  png_read_image(png, rows);
  png_read_end(png, nullptr);
  // (Bytes after IEND are ignored, as by libpng, browsers and PIL.)
  if (src.dataWarning[0])
    png_error(png, src.dataWarning);
  std::free(rows);
  rows = nullptr;
  png_destroy_read_struct(&png, &info, nullptr);
  shape = {(int64_t)height, (int64_t)width, channels};
  return true;
}

//===----------------------------------------------------------------------===//
// Listing, decoding, caching
//===----------------------------------------------------------------------===//

struct ImageFile {
  std::string path;
  int64_t label;
  Decoder decode;
};

struct Listing {
  std::vector<std::string> classes;
  std::vector<ImageFile> files;
  uint64_t signature = 1469598103934665603ull; // FNV-1a of names, sizes, times
  void mix(const void *p, size_t n) {
    const unsigned char *b = static_cast<const unsigned char *>(p);
    for (size_t i = 0; i < n; ++i)
      signature = (signature ^ b[i]) * 1099511628211ull;
  }
};

Decoder decoderFor(const std::string &name) {
  size_t dot = name.rfind('.');
  if (dot == std::string::npos)
    return nullptr;
  std::string ext = name.substr(dot + 1);
  for (char &ch : ext)
    ch = (char)std::tolower((unsigned char)ch);
  if (ext == "jpg" || ext == "jpeg")
    return decodeJpeg;
  if (ext == "png")
    return decodePng;
  return nullptr;
}

dlc_status listFolder(const std::string &dir, Listing &out) {
  std::error_code ec;
  std::vector<std::string> classes;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.')
      continue;
    std::error_code typeEc;
    if (it->is_directory(typeEc))
      classes.push_back(name);
  }
  if (ec)
    return setError(DLC_ERR_IO, "%s: cannot list: %s", dir.c_str(),
                    ec.message().c_str());
  if (classes.empty())
    return setError(DLC_ERR_FORMAT,
                    "%s: no class folders (expected DIR/<class>/<image>)",
                    dir.c_str());
  std::sort(classes.begin(), classes.end()); // byte order
  for (size_t label = 0; label < classes.size(); ++label) {
    const std::string classDir = dir + "/" + classes[label];
    std::vector<std::string> names;
    for (fs::directory_iterator it(classDir, ec), end; !ec && it != end;
         it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.empty() || name[0] == '.' || !decoderFor(name))
        continue;
      names.push_back(name);
    }
    if (ec)
      return setError(DLC_ERR_IO, "%s: cannot list: %s", classDir.c_str(),
                      ec.message().c_str());
    std::sort(names.begin(), names.end());
    out.mix(classes[label].c_str(), classes[label].size() + 1);
    for (const std::string &name : names) {
      std::string path = classDir + "/" + name;
      struct stat st;
      if (::stat(path.c_str(), &st) != 0)
        return setError(DLC_ERR_IO, "%s: cannot stat: %s", path.c_str(),
                        std::strerror(errno));
      if (!S_ISREG(st.st_mode))
        continue;
      out.mix(name.c_str(), name.size() + 1);
      int64_t stamp[3] = {(int64_t)st.st_size, (int64_t)st.st_mtim.tv_sec,
                          (int64_t)st.st_mtim.tv_nsec};
      out.mix(stamp, sizeof stamp);
      out.files.push_back({path, (int64_t)label, decoderFor(name)});
    }
  }
  out.classes = std::move(classes);
  if (out.files.empty())
    return setError(DLC_ERR_FORMAT,
                    "%s: no images (*.jpg, *.jpeg, *.png) in its %zu class "
                    "folders",
                    dir.c_str(), out.classes.size());
  return DLC_OK;
}

/// What the cache keeps: the decoded bytes and labels of a folder.
struct Decoded {
  std::vector<std::string> classes;
  std::vector<int64_t> labels;
  std::vector<unsigned char> pixels; // n x H x W x C
  Shape shape;
};

/// Reads and decodes one file into `pixels`.
bool decodeFile(const ImageFile &f, std::vector<unsigned char> &bytes,
                std::vector<unsigned char> &pixels, Shape &shape,
                std::string &error) {
  FILE *in = std::fopen(f.path.c_str(), "rb");
  if (!in) {
    error = f.path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  bytes.clear();
  unsigned char buf[1 << 15];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, in)) > 0)
    bytes.insert(bytes.end(), buf, buf + got);
  bool failed = std::ferror(in);
  std::fclose(in);
  if (failed) {
    error = f.path + ": cannot read";
    return false;
  }
  std::string why;
  if (!f.decode(bytes.data(), bytes.size(), pixels, shape, why)) {
    error = f.path + ": " + why;
    return false;
  }
  return true;
}

dlc_status decodeAll(const Listing &list, Decoded &out) {
  const size_t n = list.files.size();
  // The first image decides the shape.
  std::vector<unsigned char> bytes, first;
  std::string error;
  if (!decodeFile(list.files[0], bytes, first, out.shape, error))
    return setError(DLC_ERR_FORMAT, "%s", error.c_str());
  const size_t each = (size_t)(out.shape.h * out.shape.w * out.shape.c);
  out.pixels.resize(n * each);
  std::memcpy(out.pixels.data(), first.data(), each);

  // The rest on all CPUs; each failure is kept by index so that the first
  // one in listing order is reported whatever the thread timing.
  std::vector<std::string> errors(n);
  std::atomic<size_t> next{1};
  std::atomic<bool> failed{false};
  auto worker = [&] {
    std::vector<unsigned char> fileBytes, pixels(each);
    while (!failed.load(std::memory_order_relaxed)) {
      size_t i = next.fetch_add(1);
      if (i >= n)
        break;
      Shape shape;
      std::string err;
      try {
        if (!decodeFile(list.files[i], fileBytes, pixels, shape, err)) {
          errors[i] = err;
        } else if (!(shape == out.shape)) {
          errors[i] = list.files[i].path + ": image is " + shape.text() +
                      " (HxWxC) but " + list.files[0].path + " is " +
                      out.shape.text() + ": all images must have one shape";
        } else {
          std::memcpy(out.pixels.data() + i * each, pixels.data(), each);
        }
      } catch (...) {
        errors[i] = list.files[i].path + ": out of memory";
      }
      if (!errors[i].empty())
        failed = true;
    }
  };
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  threads = (unsigned)std::min<size_t>(threads, n);
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(worker);
  worker();
  for (std::thread &t : pool)
    t.join();
  for (size_t i = 0; i < n; ++i)
    if (!errors[i].empty())
      return setError(DLC_ERR_FORMAT, "%s", errors[i].c_str());
  out.classes = list.classes;
  out.labels.resize(n);
  for (size_t i = 0; i < n; ++i)
    out.labels[i] = list.files[i].label;
  return DLC_OK;
}

struct CacheEntry {
  std::string path;
  uint64_t signature;
  std::shared_ptr<const Decoded> decoded;
};

std::mutex gCacheMutex;
std::list<CacheEntry> gCache; // most recently used first
constexpr size_t kCacheEntries = 4;

std::shared_ptr<const Decoded> cacheFind(const std::string &path,
                                         uint64_t signature) {
  std::lock_guard<std::mutex> lock(gCacheMutex);
  for (auto it = gCache.begin(); it != gCache.end(); ++it)
    if (it->path == path) {
      if (it->signature != signature) { // the folder changed
        gCache.erase(it);
        return nullptr;
      }
      gCache.splice(gCache.begin(), gCache, it);
      return gCache.front().decoded;
    }
  return nullptr;
}

void cacheStore(const std::string &path, uint64_t signature,
                std::shared_ptr<const Decoded> decoded) {
  std::lock_guard<std::mutex> lock(gCacheMutex);
  gCache.remove_if([&](const CacheEntry &e) { return e.path == path; });
  gCache.push_front({path, signature, std::move(decoded)});
  while (gCache.size() > kCacheEntries)
    gCache.pop_back();
}

dlc_status loadFolder(const char *dirArg, dlc_dataset &ds) {
  std::error_code ec;
  if (!fs::is_directory(dirArg, ec))
    return setError(DLC_ERR_IO, "%s: not a directory", dirArg);
  std::string dir = fs::canonical(dirArg, ec).string();
  if (ec)
    return setError(DLC_ERR_IO, "%s: %s", dirArg, ec.message().c_str());
  Listing list;
  if (dlc_status s = listFolder(dir, list))
    return s;
  std::shared_ptr<const Decoded> decoded = cacheFind(dir, list.signature);
  if (!decoded) {
    auto fresh = std::make_shared<Decoded>();
    if (dlc_status s = decodeAll(list, *fresh))
      return s;
    decoded = fresh;
    cacheStore(dir, list.signature, decoded);
  }

  const Decoded &d = *decoded;
  const int64_t n = (int64_t)d.labels.size(),
                classes = (int64_t)d.classes.size();
  const size_t each = (size_t)(d.shape.h * d.shape.w * d.shape.c);
  ds.n = n;
  ds.inputWidth = (int64_t)each;
  ds.height = d.shape.h;
  ds.width = d.shape.w;
  ds.channels = d.shape.c;
  ds.classNames = d.classes;
  ds.x.resize(d.pixels.size());
  scaleBytes(d.pixels.data(), d.pixels.size(), ds.x.data());
  initOneHot(ds, n, classes);
  for (int64_t i = 0; i < n; ++i)
    ds.y[(size_t)(i * classes + d.labels[(size_t)i])] = 1.0f;
  return DLC_OK;
}

} // namespace

dlc_status dlc_dataset_load_image_folder(const char *dir, dlc_dataset **out) {
  return guarded([&]() -> dlc_status {
    if (out)
      *out = nullptr;
    if (!dir || !out)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_dataset_load_image_folder: bad argument");
    auto ds = std::make_unique<dlc_dataset>();
    if (dlc_status s = loadFolder(dir, *ds))
      return s;
    *out = ds.release();
    return DLC_OK;
  });
}
