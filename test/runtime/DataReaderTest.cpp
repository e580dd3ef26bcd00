//===- DataReaderTest.cpp - IDX, CIFAR-10, image folder and .npy readers --===//
//
// Each reader on small files written here in the exact format (gzip with
// zlib, PNG with libpng, JPEG with libjpeg), every documented error (file
// and offset in dlc_last_error), the validation split, and `dlc train
// --data SPEC --validation ...`.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"
#include "dlc_cli.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>

#include <jpeglib.h>
#include <png.h>
#include <sys/stat.h>
#include <zlib.h>

using namespace dlc::test;

namespace {

using Bytes = std::vector<unsigned char>;

float scaled(unsigned b) { return (float)(b / 255.0); }

void put32(Bytes &b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8)
    b.push_back((unsigned char)(v >> s));
}

void writeBytes(const std::string &path, const Bytes &b) {
  writeFile(path, std::string(b.begin(), b.end()));
}

void writeGzip(const std::string &path, const Bytes &b) {
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, b.data(), (unsigned)b.size()), (int)b.size());
  gzclose(gz);
}

Bytes idxImages(uint32_t n, uint32_t rows, uint32_t cols, const Bytes &px,
                uint32_t magic = 0x00000803) {
  Bytes b;
  put32(b, magic);
  put32(b, n);
  put32(b, rows);
  put32(b, cols);
  b.insert(b.end(), px.begin(), px.end());
  return b;
}

Bytes idxLabels(const Bytes &labels, uint32_t magic = 0x00000801) {
  Bytes b;
  put32(b, magic);
  put32(b, (uint32_t)labels.size());
  b.insert(b.end(), labels.begin(), labels.end());
  return b;
}

/// width x height x channels (1, 2 = gray + alpha, 3, 4) at 8 or 16 bits.
void writePng(const std::string &path, int w, int h, int channels,
              const Bytes &px, int bitDepth = 8, bool palette = false,
              bool transparency = false) {
  FILE *f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_init_io(png, f);
  int type = channels == 1   ? PNG_COLOR_TYPE_GRAY
             : channels == 2 ? PNG_COLOR_TYPE_GRAY_ALPHA
             : channels == 3 ? PNG_COLOR_TYPE_RGB
                             : PNG_COLOR_TYPE_RGBA;
  if (palette)
    type = PNG_COLOR_TYPE_PALETTE;
  png_set_IHDR(png, info, w, h, bitDepth, type, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (palette) { // entry i = (10 i, 20 i, 30 i)
    png_color colors[8];
    for (int i = 0; i < 8; ++i)
      colors[i] = {(png_byte)(10 * i), (png_byte)(20 * i), (png_byte)(30 * i)};
    png_set_PLTE(png, info, colors, 8);
    if (transparency) { // tRNS: entry i has alpha 255 - 30 i
      png_byte alpha[8];
      for (int i = 0; i < 8; ++i)
        alpha[i] = (png_byte)(255 - 30 * i);
      png_set_tRNS(png, info, alpha, 8, nullptr);
    }
  }
  png_write_info(png, info);
  const int bytesPerPixel = palette ? 1 : channels * bitDepth / 8;
  for (int y = 0; y < h; ++y)
    png_write_row(png, const_cast<png_bytep>(px.data()) +
                           (size_t)y * w * bytesPerPixel);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  std::fclose(f);
}

Bytes jpegBytes(int w, int h, int channels, const Bytes &px) {
  jpeg_compress_struct c;
  jpeg_error_mgr err;
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char *mem = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &mem, &size);
  c.image_width = w;
  c.image_height = h;
  c.input_components = channels;
  c.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, 100, TRUE);
  // No chroma subsampling: quality 100 then stays within a few levels.
  for (int i = 0; i < c.num_components; ++i)
    c.comp_info[i].h_samp_factor = c.comp_info[i].v_samp_factor = 1;
  jpeg_start_compress(&c, TRUE);
  for (int y = 0; y < h; ++y) {
    JSAMPROW row = const_cast<JSAMPROW>(px.data()) + (size_t)y * w * channels;
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  Bytes out(mem, mem + size);
  std::free(mem);
  return out;
}

/// A smooth pattern (JPEG keeps it within a few levels).
Bytes pattern(int w, int h, int channels, int seed) {
  Bytes px;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < channels; ++c)
        px.push_back((unsigned char)(40 + 8 * x + 6 * y + 30 * c + seed));
  return px;
}

std::string npyFile(const std::string &descr, const std::string &shape,
                    const std::string &data, int major = 1,
                    bool fortran = false) {
  std::string dict = "{'descr': '" + descr +
                     "', 'fortran_order': " + (fortran ? "True" : "False") +
                     ", 'shape': " + shape + ", }";
  const size_t pre = major == 1 ? 10 : 12;
  while ((pre + dict.size() + 1) % 64)
    dict += ' ';
  dict += '\n';
  std::string out = "\x93NUMPY";
  out += (char)major;
  out += (char)0;
  out += (char)(dict.size() & 0xff);
  out += (char)(dict.size() >> 8);
  if (major > 1)
    out += std::string(2, '\0');
  return out + dict + data;
}

template <typename T> std::string raw(const std::vector<T> &v) {
  return std::string(reinterpret_cast<const char *>(v.data()),
                     v.size() * sizeof(T));
}
std::string u8(const Bytes &v) { return raw(v); }

std::vector<float> rowsOf(const float *p, int64_t n) {
  return std::vector<float>(p, p + n);
}

class DataReaderTest : public ::testing::Test {
protected:
  std::string error() const { return dlc_last_error(); }
  /// The error of a failing call, checking that nothing was returned (`d`
  /// by reference: it is read after the call).
  void expectError(dlc_status s, dlc_dataset *&d,
                   const std::vector<std::string> &parts) {
    EXPECT_NE(s, DLC_OK);
    EXPECT_EQ(d, nullptr);
    dlc_dataset_free(d);
    for (const std::string &p : parts)
      EXPECT_NE(error().find(p), std::string::npos)
          << "'" << p << "' not in: " << error();
  }

  TempDir dir;
};

//===--- IDX --------------------------------------------------------------===//

TEST_F(DataReaderTest, IdxRawAndGzip) {
  Bytes px;
  for (int i = 0; i < 3 * 2 * 3; ++i)
    px.push_back((unsigned char)(i * 15));
  const std::string img = dir.file("images"), lab = dir.file("labels");
  writeBytes(img, idxImages(3, 2, 3, px));
  writeBytes(lab, idxLabels({0, 9, 4}));
  writeGzip(img + ".gz", idxImages(3, 2, 3, px));
  writeGzip(lab + ".gz", idxLabels({0, 9, 4}));
  for (const std::string suffix : {"", ".gz"}) {
    SCOPED_TRACE(suffix);
    dlc_dataset *d = nullptr;
    ASSERT_EQ(dlc_dataset_load_idx((img + suffix).c_str(),
                                   (lab + suffix).c_str(), 0, &d),
              DLC_OK)
        << error();
    DatasetPtr data(d);
    EXPECT_EQ(dlc_dataset_size(d), 3);
    EXPECT_EQ(dlc_dataset_input_width(d), 6);
    EXPECT_EQ(dlc_dataset_target_width(d), 10);
    EXPECT_EQ(dlc_dataset_num_classes(d), 10);
    int64_t hwc[3];
    EXPECT_EQ(dlc_dataset_image_shape(d, hwc), 1);
    EXPECT_EQ(std::vector<int64_t>(hwc, hwc + 3),
              (std::vector<int64_t>{2, 3, 1}));
    std::vector<float> want;
    for (unsigned char b : px)
      want.push_back(scaled(b));
    EXPECT_EQ(rowsOf(dlc_dataset_x(d), 18), want);
    std::vector<float> y(30, 0.0f);
    y[0] = y[10 + 9] = y[20 + 4] = 1.0f;
    EXPECT_EQ(rowsOf(dlc_dataset_y(d), 30), y);
    EXPECT_EQ(dlc_dataset_class_name(d, 0), nullptr);
  }
}

TEST_F(DataReaderTest, IdxWrongMagic) {
  const std::string img = dir.file("images"), lab = dir.file("labels");
  writeBytes(img, idxImages(1, 1, 1, {7}, 0x00000801));
  writeBytes(lab, idxLabels({1}));
  dlc_dataset *d = nullptr;
  expectError(dlc_dataset_load_idx(img.c_str(), lab.c_str(), 0, &d), d,
              {img + ": offset 0: bad magic 0x00000801"});
  writeBytes(img, idxImages(1, 1, 1, {7}));
  writeBytes(lab, idxLabels({1}, 0x00000803));
  expectError(dlc_dataset_load_idx(img.c_str(), lab.c_str(), 0, &d), d,
              {lab + ": offset 0: bad magic 0x00000803"});
  EXPECT_EQ(dlc_last_error(),
            lab + ": offset 0: bad magic 0x00000803: not an IDX label file "
                  "(expected 0x00000801: unsigned bytes, 1 dimension)");
}

TEST_F(DataReaderTest, BytesAfterTheDataAreAnError) {
  // More bytes than the header describes: a count too small, or two files
  // run together. IDX images and labels, and .npy arrays.
  const std::string img = dir.file("images"), lab = dir.file("labels");
  Bytes pixels = idxImages(2, 1, 2, Bytes(4, 1));
  pixels.push_back(9);
  writeBytes(img, pixels);
  writeBytes(lab, idxLabels({0, 1}));
  dlc_dataset *d = nullptr;
  expectError(dlc_dataset_load_idx(img.c_str(), lab.c_str(), 0, &d), d,
              {img + ": offset 20: 1 unexpected bytes after the pixels"});
  writeBytes(img, idxImages(2, 1, 2, Bytes(4, 1)));
  Bytes labels = idxLabels({0, 1});
  labels.insert(labels.end(), {1, 1});
  writeBytes(lab, labels);
  expectError(dlc_dataset_load_idx(img.c_str(), lab.c_str(), 0, &d), d,
              {lab + ": offset 10: 2 unexpected bytes after the labels"});
  const std::string x = dir.file("x.npy"), y = dir.file("y.npy");
  writeFile(x, npyFile("<f4", "(2, 1)", raw(std::vector<float>{1, 2, 3})));
  writeFile(y, npyFile("|u1", "(2,)", u8({0, 1})));
  expectError(dlc_dataset_load_npy(x.c_str(), y.c_str(), 0, &d), d,
              {x + ": offset 136: 4 unexpected bytes after the array data (2, 1)"});
}

TEST_F(DataReaderTest, IdxTruncated) {
  const std::string img = dir.file("images"), lab = dir.file("labels");
  writeBytes(img, idxImages(3, 2, 3, Bytes(10, 1))); // 18 pixels needed
  writeBytes(lab, idxLabels({0, 1, 2}));
  dlc_dataset *d = nullptr;
  EXPECT_EQ(dlc_dataset_load_idx(img.c_str(), lab.c_str(), 0, &d),
            DLC_ERR_FORMAT);
  EXPECT_EQ(error(), img + ": offset 26: truncated: expected 18 bytes of "
                           "pixels (3 images of 2x3) from offset 16, found 10");
  // A header cut short, and labels cut short.
  writeBytes(img, Bytes{0, 0, 8, 3, 0, 0});
  expectError(dlc_dataset_load_idx(img.c_str(), lab.c_str(), 0, &d), d,
              {img + ": offset 6: truncated: expected 16 bytes of IDX header"});
  writeBytes(img, idxImages(3, 2, 3, Bytes(18, 1)));
  Bytes labels = idxLabels({0, 1, 2});
  labels.pop_back();
  writeBytes(lab, labels);
  expectError(dlc_dataset_load_idx(img.c_str(), lab.c_str(), 0, &d), d,
              {lab + ": offset 10: truncated: expected 3 bytes of labels"});
  // A gzip file cut short: the offset counts uncompressed bytes.
  writeGzip(img + ".gz", idxImages(3, 2, 3, Bytes(18, 1)));
  std::string gz = readFile(img + ".gz");
  writeFile(img + ".gz", gz.substr(0, gz.size() - 12));
  writeBytes(lab, idxLabels({0, 1, 2}));
  const std::string cut = img + ".gz";
  expectError(dlc_dataset_load_idx(cut.c_str(), lab.c_str(), 0, &d), d,
              {cut + ": offset ", "(uncompressed)"});
  // Anything but another gzip member after the gzip data (gzread and gzip
  // -d ignore it: "trailing garbage") is an error at its offset.
  writeFile(cut, gz + "junk");
  expectError(dlc_dataset_load_idx(cut.c_str(), lab.c_str(), 0, &d), d,
              {cut + ": offset " + std::to_string(gz.size()) +
               ": 4 bytes after the gzip data that are not gzip data"});
  // Zero padding after it (block-padded copies) is ignored, as by gzip.
  writeFile(cut, gz + std::string(512, '\0'));
  ASSERT_EQ(dlc_dataset_load_idx(cut.c_str(), lab.c_str(), 0, &d), DLC_OK)
      << error();
  dlc_dataset_free(d);
}

TEST_F(DataReaderTest, IdxCountMismatchAndLabelRange) {
  const std::string img = dir.file("images"), lab = dir.file("labels");
  writeBytes(img, idxImages(3, 1, 2, Bytes(6, 1)));
  writeBytes(lab, idxLabels({0, 1}));
  dlc_dataset *d = nullptr;
  EXPECT_EQ(dlc_dataset_load_idx(img.c_str(), lab.c_str(), 0, &d),
            DLC_ERR_MISMATCH);
  EXPECT_EQ(error(),
            lab + ": offset 4: 2 labels, but " + img + " holds 3 images");
  writeBytes(lab, idxLabels({0, 1, 10}));
  EXPECT_EQ(dlc_dataset_load_idx(img.c_str(), lab.c_str(), 0, &d),
            DLC_ERR_FORMAT);
  EXPECT_EQ(error(), lab + ": offset 10: label 10 out of range for 10 classes");
  writeBytes(lab, idxLabels({0, 4, 2}));
  expectError(dlc_dataset_load_idx(img.c_str(), lab.c_str(), 3, &d), d,
              {lab + ": offset 9: label 4 out of range for 3 classes"});
  ASSERT_EQ(dlc_dataset_load_idx(img.c_str(), lab.c_str(), 5, &d), DLC_OK);
  EXPECT_EQ(dlc_dataset_target_width(d), 5);
  dlc_dataset_free(d);
  std::string missing = dir.file("nope");
  expectError(dlc_dataset_load_idx(missing.c_str(), lab.c_str(), 0, &d), d,
              {missing + ": cannot open: No such file or directory"});
}

//===--- CIFAR-10 ---------------------------------------------------------===//

Bytes cifarRecord(unsigned char label, int seed) {
  Bytes r{label};
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 1024; ++i)
      r.push_back((unsigned char)((i * 7 + c * 50 + seed) % 256));
  return r;
}

TEST_F(DataReaderTest, CifarPlanesBecomeHwc) {
  Bytes a = cifarRecord(3, 0), b = cifarRecord(9, 1), c = cifarRecord(0, 2);
  Bytes first = a;
  first.insert(first.end(), b.begin(), b.end());
  const std::string f1 = dir.file("data_batch_1.bin"),
                    f2 = dir.file("data_batch_2.bin");
  writeBytes(f1, first);
  writeBytes(f2, c);
  const char *paths[] = {f1.c_str(), f2.c_str()};
  dlc_dataset *d = nullptr;
  ASSERT_EQ(dlc_dataset_load_cifar10(paths, 2, &d), DLC_OK) << error();
  DatasetPtr data(d);
  ASSERT_EQ(dlc_dataset_size(d), 3);
  EXPECT_EQ(dlc_dataset_input_width(d), 3072);
  int64_t hwc[3];
  ASSERT_EQ(dlc_dataset_image_shape(d, hwc), 1);
  EXPECT_EQ(std::vector<int64_t>(hwc, hwc + 3),
            (std::vector<int64_t>{32, 32, 3}));
  const Bytes *recs[] = {&a, &b, &c};
  const float *x = dlc_dataset_x(d);
  for (int r = 0; r < 3; ++r)
    for (int row : {0, 5, 31})
      for (int col : {0, 17, 31})
        for (int ch = 0; ch < 3; ++ch)
          ASSERT_EQ(x[r * 3072 + (row * 32 + col) * 3 + ch],
                    scaled((*recs[r])[1 + ch * 1024 + row * 32 + col]))
              << r << " " << row << " " << col << " " << ch;
  const float *y = dlc_dataset_y(d);
  for (int r = 0; r < 3; ++r)
    for (int k = 0; k < 10; ++k)
      EXPECT_EQ(y[r * 10 + k], k == (*recs[r])[0] ? 1.0f : 0.0f);
}

TEST_F(DataReaderTest, CifarErrors) {
  Bytes bytes = cifarRecord(1, 0);
  Bytes tail = cifarRecord(2, 0);
  bytes.insert(bytes.end(), tail.begin(), tail.begin() + 100);
  const std::string f = dir.file("data_batch_1.bin");
  writeBytes(f, bytes);
  const char *paths[] = {f.c_str()};
  dlc_dataset *d = nullptr;
  EXPECT_EQ(dlc_dataset_load_cifar10(paths, 1, &d), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), f + ": offset 3073: truncated record 1: expected 3073 "
                         "bytes (1 label + 3072 pixels), found 100");
  bytes = cifarRecord(1, 0);
  tail = cifarRecord(10, 0);
  bytes.insert(bytes.end(), tail.begin(), tail.end());
  writeBytes(f, bytes);
  EXPECT_EQ(dlc_dataset_load_cifar10(paths, 1, &d), DLC_ERR_FORMAT);
  EXPECT_EQ(
      error(),
      f + ": offset 3073: label 10 out of range for 10 classes (record 1)");
  writeBytes(f, {});
  expectError(dlc_dataset_load_cifar10(paths, 1, &d), d, {f + ": empty"});
  EXPECT_EQ(dlc_dataset_load_cifar10(paths, 0, &d), DLC_ERR_INVALID_ARGUMENT);
}

//===--- Image folders ----------------------------------------------------===//

TEST_F(DataReaderTest, ImageFolderPngExactJpegClose) {
  // Classes in byte order: "Zebra" < "ant" < "bee"; files in name order.
  for (const char *c : {"bee", "ant", "Zebra", ".hidden"})
    std::filesystem::create_directory(dir.file(c));
  Bytes p0 = pattern(4, 3, 3, 0), p1 = pattern(4, 3, 3, 5),
        p2 = pattern(4, 3, 3, 9), p3 = pattern(4, 3, 3, 13);
  writePng(dir.file("ant/b.png"), 4, 3, 3, p1);
  writePng(dir.file("ant/a.PNG"), 4, 3, 3, p0);
  writeBytes(dir.file("bee/x.jpg"), jpegBytes(4, 3, 3, p2));
  writeBytes(dir.file("Zebra/z.jpeg"), jpegBytes(4, 3, 3, p3));
  writeFile(dir.file("ant/notes.txt"), "skipped");
  writePng(dir.file(".hidden/h.png"), 1, 1, 3, {1, 2, 3});
  dlc_dataset *d = nullptr;
  ASSERT_EQ(dlc_dataset_load_image_folder(dir.path.c_str(), &d), DLC_OK)
      << error();
  DatasetPtr data(d);
  ASSERT_EQ(dlc_dataset_size(d), 4);
  EXPECT_EQ(dlc_dataset_num_classes(d), 3);
  EXPECT_STREQ(dlc_dataset_class_name(d, 0), "Zebra");
  EXPECT_STREQ(dlc_dataset_class_name(d, 1), "ant");
  EXPECT_STREQ(dlc_dataset_class_name(d, 2), "bee");
  EXPECT_EQ(dlc_dataset_class_name(d, 3), nullptr);
  int64_t hwc[3];
  ASSERT_EQ(dlc_dataset_image_shape(d, hwc), 1);
  EXPECT_EQ(std::vector<int64_t>(hwc, hwc + 3),
            (std::vector<int64_t>{3, 4, 3}));
  // Order: Zebra/z.jpeg, ant/a.PNG, ant/b.png, bee/x.jpg.
  const Bytes *want[] = {&p3, &p0, &p1, &p2};
  const bool exact[] = {false, true, true, false};
  const float *x = dlc_dataset_x(d);
  for (int i = 0; i < 4; ++i)
    for (int k = 0; k < 36; ++k) {
      float expect = scaled((*want[i])[k]);
      if (exact[i])
        ASSERT_EQ(x[i * 36 + k], expect) << i << " " << k;
      else
        ASSERT_NEAR(x[i * 36 + k], expect, 3.0 / 255) << i << " " << k;
    }
  EXPECT_EQ(rowsOf(dlc_dataset_y(d), 12),
            (std::vector<float>{1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1}));
}

TEST_F(DataReaderTest, ImageFolderPngKinds) {
  struct Case {
    const char *name;
    int channels, bitDepth;
    bool palette;
    Bytes px;
    int64_t wantC;
    Bytes want;
  };
  std::vector<Case> cases = {
      {"gray", 1, 8, false, {0, 128, 255, 7}, 1, {0, 128, 255, 7}},
      {"gray_alpha",
       2,
       8,
       false,
       {10, 1, 20, 2, 30, 3, 40, 4},
       1,
       {10, 20, 30, 40}},
      {"rgba",
       4,
       8,
       false,
       {1, 2, 3, 9, 4, 5, 6, 9, 7, 8, 9, 9, 10, 11, 12, 9},
       3,
       {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
      {"palette",
       3,
       8,
       true,
       {0, 1, 2, 7},
       3,
       {0, 0, 0, 10, 20, 30, 20, 40, 60, 70, 140, 210}},
      {"rgb16",
       3,
       16,
       false,
       {1, 0xff, 2, 0, 3, 0, 4,  0, 5,  0, 6,  0,
        7, 0,    8, 0, 9, 0, 10, 0, 11, 0, 12, 0},
       3,
       {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name);
    std::string root = dir.file(c.name);
    std::filesystem::create_directories(root + "/only");
    writePng(root + "/only/i.png", 2, 2, c.channels, c.px, c.bitDepth,
             c.palette);
    dlc_dataset *d = nullptr;
    ASSERT_EQ(dlc_dataset_load_image_folder(root.c_str(), &d), DLC_OK)
        << error();
    DatasetPtr data(d);
    int64_t hwc[3];
    ASSERT_EQ(dlc_dataset_image_shape(d, hwc), 1);
    EXPECT_EQ(hwc[2], c.wantC);
    std::vector<float> want;
    for (unsigned char b : c.want)
      want.push_back(scaled(b));
    EXPECT_EQ(rowsOf(dlc_dataset_x(d), (int64_t)want.size()), want);
  }
}

TEST_F(DataReaderTest, ImageFolderPaletteWithTransparency) {
  // A palette with a tRNS chunk: its transparency is dropped like alpha.
  std::filesystem::create_directories(dir.file("p/only"));
  writePng(dir.file("p/only/i.png"), 2, 2, 3, {0, 1, 2, 7}, 8, true, true);
  dlc_dataset *d = nullptr;
  ASSERT_EQ(dlc_dataset_load_image_folder(dir.file("p").c_str(), &d), DLC_OK)
      << error();
  DatasetPtr data(d);
  int64_t hwc[3];
  ASSERT_EQ(dlc_dataset_image_shape(d, hwc), 1);
  EXPECT_EQ(hwc[2], 3);
  std::vector<float> want;
  for (unsigned char b : Bytes{0, 0, 0, 10, 20, 30, 20, 40, 60, 70, 140, 210})
    want.push_back(scaled(b));
  EXPECT_EQ(rowsOf(dlc_dataset_x(d), 12), want);
}

TEST_F(DataReaderTest, ImageFolderGrayJpeg) {
  std::filesystem::create_directories(dir.file("c"));
  Bytes px = pattern(5, 4, 1, 0);
  writeBytes(dir.file("c/g.jpg"), jpegBytes(5, 4, 1, px));
  dlc_dataset *d = nullptr;
  ASSERT_EQ(dlc_dataset_load_image_folder(dir.path.c_str(), &d), DLC_OK)
      << error();
  DatasetPtr data(d);
  int64_t hwc[3];
  ASSERT_EQ(dlc_dataset_image_shape(d, hwc), 1);
  EXPECT_EQ(std::vector<int64_t>(hwc, hwc + 3),
            (std::vector<int64_t>{4, 5, 1}));
  for (int k = 0; k < 20; ++k)
    EXPECT_NEAR(dlc_dataset_x(d)[k], scaled(px[k]), 3.0 / 255);
}

TEST_F(DataReaderTest, ImageFolderCorruptFiles) {
  std::filesystem::create_directories(dir.file("a"));
  Bytes good = jpegBytes(8, 8, 3, pattern(8, 8, 3, 0));
  writeBytes(dir.file("a/1.jpg"), good);
  const std::string bad = dir.file("a/2.jpg");
  writeFile(bad, "this is not a JPEG file at all");
  dlc_dataset *d = nullptr;
  expectError(dlc_dataset_load_image_folder(dir.path.c_str(), &d), d,
              {bad + ": corrupt JPEG: "});
  // Cut short: libjpeg would fill the rest with grey; refused.
  writeBytes(bad, Bytes(good.begin(), good.begin() + good.size() / 2));
  expectError(dlc_dataset_load_image_folder(dir.path.c_str(), &d), d,
              {bad + ": corrupt JPEG: "});
  std::filesystem::remove(bad);
  const std::string badPng = dir.file("a/3.png");
  writePng(badPng, 8, 8, 3, pattern(8, 8, 3, 0));
  std::string png = readFile(badPng);
  writeFile(badPng, png.substr(0, png.size() / 2));
  expectError(dlc_dataset_load_image_folder(dir.path.c_str(), &d), d,
              {badPng + ": corrupt PNG: "});
  writeFile(badPng, "\x89PNG\r\n\x1a\n garbage");
  expectError(dlc_dataset_load_image_folder(dir.path.c_str(), &d), d,
              {badPng + ": corrupt PNG: "});
  // Bytes after the image's end (IEND) are ignored, as libpng does.
  writeFile(badPng, png + "tail");
  ASSERT_EQ(dlc_dataset_load_image_folder(dir.path.c_str(), &d), DLC_OK)
      << error();
  dlc_dataset_free(d);
  d = nullptr;
  // The first file is the corrupt one.
  writeFile(dir.file("a/0.jpg"), "");
  expectError(dlc_dataset_load_image_folder(dir.path.c_str(), &d), d,
              {dir.file("a/0.jpg") + ": corrupt JPEG: "});
}

TEST_F(DataReaderTest, ImageFolderMixedShapes) {
  std::filesystem::create_directories(dir.file("a"));
  std::filesystem::create_directories(dir.file("b"));
  writePng(dir.file("a/1.png"), 4, 3, 3, pattern(4, 3, 3, 0));
  writePng(dir.file("b/1.png"), 4, 3, 3, pattern(4, 3, 3, 0));
  writePng(dir.file("b/2.png"), 5, 3, 3, pattern(5, 3, 3, 0));
  writePng(dir.file("b/3.png"), 4, 3, 1, pattern(4, 3, 1, 0));
  dlc_dataset *d = nullptr;
  EXPECT_EQ(dlc_dataset_load_image_folder(dir.path.c_str(), &d),
            DLC_ERR_FORMAT);
  EXPECT_EQ(error(), dir.file("b/2.png") + ": image is 3x5x3 (HxWxC) but " +
                         dir.file("a/1.png") +
                         " is 3x4x3: all images must have one shape");
  std::filesystem::remove(dir.file("b/2.png"));
  expectError(dlc_dataset_load_image_folder(dir.path.c_str(), &d), d,
              {dir.file("b/3.png") + ": image is 3x4x1 (HxWxC)"});
}

TEST_F(DataReaderTest, ImageFolderEmptyOrMissing) {
  dlc_dataset *d = nullptr;
  expectError(dlc_dataset_load_image_folder(dir.path.c_str(), &d), d,
              {dir.path + ": no class folders"});
  std::filesystem::create_directories(dir.file("a"));
  expectError(dlc_dataset_load_image_folder(dir.path.c_str(), &d), d,
              {dir.path + ": no images"});
  std::string missing = dir.file("missing");
  expectError(dlc_dataset_load_image_folder(missing.c_str(), &d), d,
              {missing + ": not a directory"});
}

TEST_F(DataReaderTest, ImageFolderIsDecodedOnceAndCached) {
  std::filesystem::create_directories(dir.file("a"));
  const std::string f = dir.file("a/1.png");
  writePng(f, 2, 1, 1, {10, 20});
  dlc_dataset *d = nullptr;
  ASSERT_EQ(dlc_dataset_load_image_folder(dir.path.c_str(), &d), DLC_OK);
  dlc_dataset_free(d);
  // Same size and time, other bytes: still the cached pixels.
  struct stat st;
  ASSERT_EQ(stat(f.c_str(), &st), 0);
  std::string bytes = readFile(f);
  std::string garbage(bytes.size(), 'x');
  writeFile(f, garbage);
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  ASSERT_EQ(utimensat(AT_FDCWD, f.c_str(), times, 0), 0);
  ASSERT_EQ(dlc_dataset_load_image_folder((dir.path + "/./a/..").c_str(), &d),
            DLC_OK)
      << error();
  EXPECT_EQ(rowsOf(dlc_dataset_x(d), 2),
            (std::vector<float>{scaled(10), scaled(20)}));
  dlc_dataset_free(d);
  // A changed file is decoded again.
  writePng(f, 2, 1, 1, {30, 40});
  ASSERT_EQ(dlc_dataset_load_image_folder(dir.path.c_str(), &d), DLC_OK);
  EXPECT_EQ(rowsOf(dlc_dataset_x(d), 2),
            (std::vector<float>{scaled(30), scaled(40)}));
  dlc_dataset_free(d);
}

//===--- NumPy ------------------------------------------------------------===//

TEST_F(DataReaderTest, NpyImagesAndLabels) {
  std::vector<float> x(3 * 2 * 2 * 1);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = 0.5f * (float)i - 1.0f;
  writeFile(dir.file("x.npy"), npyFile("<f4", "(3, 2, 2, 1)", raw(x)));
  writeFile(dir.file("y.npy"), npyFile("|u1", "(3,)", u8({2, 0, 1})));
  dlc_dataset *d = nullptr;
  ASSERT_EQ(dlc_dataset_load_npy(dir.file("x.npy").c_str(),
                                 dir.file("y.npy").c_str(), 0, &d),
            DLC_OK)
      << error();
  DatasetPtr data(d);
  EXPECT_EQ(dlc_dataset_size(d), 3);
  EXPECT_EQ(dlc_dataset_input_width(d), 4);
  int64_t hwc[3];
  ASSERT_EQ(dlc_dataset_image_shape(d, hwc), 1);
  EXPECT_EQ(std::vector<int64_t>(hwc, hwc + 3),
            (std::vector<int64_t>{2, 2, 1}));
  EXPECT_EQ(rowsOf(dlc_dataset_x(d), 12), x);
  EXPECT_EQ(dlc_dataset_num_classes(d), 3); // largest label + 1
  EXPECT_EQ(rowsOf(dlc_dataset_y(d), 9),
            (std::vector<float>{0, 0, 1, 1, 0, 0, 0, 1, 0}));

  // Labels as <i8 with a given class count; format 2.0.
  writeFile(dir.file("y8.npy"),
            npyFile("<i8", "(3,)", raw(std::vector<int64_t>{4, 0, 1}), 2));
  ASSERT_EQ(dlc_dataset_load_npy(dir.file("x.npy").c_str(),
                                 dir.file("y8.npy").c_str(), 5, &d),
            DLC_OK)
      << error();
  EXPECT_EQ(dlc_dataset_target_width(d), 5);
  EXPECT_EQ(dlc_dataset_y(d)[4], 1.0f);
  dlc_dataset_free(d);
}

TEST_F(DataReaderTest, NpyDtypesKeepValuesAndTargetsAsIs) {
  // u1 inputs are kept as stored (no / 255); 2-D float targets as is; 3.0.
  writeFile(dir.file("x.npy"),
            npyFile("|u1", "(2, 3)", u8({0, 128, 255, 1, 2, 3}), 3));
  writeFile(
      dir.file("y.npy"),
      npyFile("<f8", "(2, 2)", raw(std::vector<double>{0.25, 0.75, 1, 0})));
  dlc_dataset *d = nullptr;
  ASSERT_EQ(dlc_dataset_load_npy(dir.file("x.npy").c_str(),
                                 dir.file("y.npy").c_str(), 0, &d),
            DLC_OK)
      << error();
  DatasetPtr data(d);
  EXPECT_EQ(rowsOf(dlc_dataset_x(d), 6),
            (std::vector<float>{0, 128, 255, 1, 2, 3}));
  EXPECT_EQ(rowsOf(dlc_dataset_y(d), 4),
            (std::vector<float>{0.25f, 0.75f, 1, 0}));
  EXPECT_EQ(dlc_dataset_image_shape(d, nullptr), 0);
  EXPECT_EQ(dlc_dataset_num_classes(d), 2);
  writeFile(dir.file("x8.npy"),
            npyFile("<f8", "(2,)", raw(std::vector<double>{1.5, -2})));
  ASSERT_EQ(dlc_dataset_load_npy(dir.file("x8.npy").c_str(),
                                 dir.file("y.npy").c_str(), 0, &d),
            DLC_OK)
      << error();
  EXPECT_EQ(dlc_dataset_input_width(d), 1);
  EXPECT_EQ(rowsOf(dlc_dataset_x(d), 2), (std::vector<float>{1.5f, -2}));
  dlc_dataset_free(d);
}

TEST_F(DataReaderTest, NpyTargetsOfAOneOutputModelMayBeOneDimensional) {
  // A sigmoid classifier's 0/1 labels, or a regression's values, saved as
  // y[n]: with num_classes 1 they are the targets, as y[n, 1] would be.
  writeFile(dir.file("x.npy"),
            npyFile("<f4", "(3, 2)", raw(std::vector<float>{0, 0, 0, 1, 1, 1})));
  writeFile(dir.file("y.npy"), npyFile("|u1", "(3,)", u8({0, 1, 1})));
  writeFile(dir.file("yf.npy"),
            npyFile("<f8", "(3,)", raw(std::vector<double>{0.5, -2, 7})));
  dlc_dataset *d = nullptr;
  ASSERT_EQ(dlc_dataset_load_npy(dir.file("x.npy").c_str(),
                                 dir.file("y.npy").c_str(), 1, &d),
            DLC_OK)
      << error();
  EXPECT_EQ(dlc_dataset_target_width(d), 1);
  EXPECT_EQ(rowsOf(dlc_dataset_y(d), 3), (std::vector<float>{0, 1, 1}));
  dlc_dataset_free(d);
  ASSERT_EQ(dlc_dataset_load_npy(dir.file("x.npy").c_str(),
                                 dir.file("yf.npy").c_str(), 1, &d),
            DLC_OK)
      << error();
  EXPECT_EQ(rowsOf(dlc_dataset_y(d), 3), (std::vector<float>{0.5f, -2, 7}));
  dlc_dataset_free(d);
  // With more classes, labels stay labels: 1 is out of range for none.
  EXPECT_EQ(dlc_dataset_load_npy(dir.file("x.npy").c_str(),
                                 dir.file("yf.npy").c_str(), 2, &d),
            DLC_ERR_FORMAT);
}

TEST_F(DataReaderTest, NpyNonFiniteValuesAreRefused) {
  // NaN in float32 inputs, a float64 beyond float32 in targets: the offset
  // of the element in the file (128-byte header here).
  const std::string x = dir.file("x.npy"), y = dir.file("y.npy");
  writeFile(x, npyFile("<f4", "(2, 2)",
                       raw(std::vector<float>{0, 1, std::nanf(""), 3})));
  writeFile(y, npyFile("|u1", "(2,)", u8({0, 1})));
  dlc_dataset *d = nullptr;
  EXPECT_EQ(dlc_dataset_load_npy(x.c_str(), y.c_str(), 0, &d), DLC_ERR_FORMAT);
  EXPECT_EQ(d, nullptr);
  EXPECT_EQ(error(), x + ": offset 136: element 2, nan, is not a finite number");
  writeFile(x, npyFile("<f4", "(2, 2)", raw(std::vector<float>{0, 1, 2, 3})));
  writeFile(y, npyFile("<f8", "(2, 1)", raw(std::vector<double>{0.5, 1e300})));
  EXPECT_EQ(dlc_dataset_load_npy(x.c_str(), y.c_str(), 0, &d), DLC_ERR_FORMAT);
  EXPECT_EQ(error(),
            y + ": offset 136: element 1, 1e+300, is out of range for float32");
}

TEST_F(DataReaderTest, NpyErrors) {
  const std::string x = dir.file("x.npy"), y = dir.file("y.npy");
  writeFile(y, npyFile("|u1", "(2,)", u8({0, 1})));
  dlc_dataset *d = nullptr;
  auto load = [&](int64_t classes = 0) {
    return dlc_dataset_load_npy(x.c_str(), y.c_str(), classes, &d);
  };
  writeFile(x, "PK\x03\x04 a zip file");
  expectError(load(), d, {x + ": offset 0: not a NumPy .npy file"});
  std::string good = npyFile("<f4", "(2, 2)", raw(std::vector<float>(4, 1)));
  std::string bad = good;
  bad[10] = '[';
  writeFile(x, bad);
  EXPECT_EQ(load(), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), x + ": offset 10: bad .npy header: expected '{'");
  bad = good;
  bad.replace(bad.find("'shape'"), 7, "'shapf'");
  writeFile(x, bad);
  expectError(load(), d,
              {x + ": offset ", "bad .npy header: unexpected key "
                                "'shapf'"});
  writeFile(x,
            npyFile("<f4", "(2, 2)", raw(std::vector<float>(4, 1)), 1, true));
  expectError(load(), d, {x + ": offset 10: fortran_order is True"});
  writeFile(x, npyFile(">f4", "(2, 2)", raw(std::vector<float>(4, 1))));
  expectError(load(), d, {x + ": offset 10: unsupported dtype '>f4'"});
  writeFile(x, npyFile("<f4", "(2, 2)", raw(std::vector<float>(3, 1))));
  EXPECT_EQ(load(), DLC_ERR_FORMAT);
  // numpy pads the header so that the data starts at a multiple of 64.
  EXPECT_EQ(error(), x + ": offset 140: truncated: expected 16 bytes of array "
                         "data (2, 2) from offset 128, found 12");
  std::string cut = good.substr(0, 30);
  writeFile(x, cut);
  expectError(load(), d, {x + ": offset 30: truncated"});
  writeFile(x, std::string("\x93NUMPY\x04\x00", 8));
  expectError(load(), d,
              {x + ": offset 6: unsupported .npy format version 4.0"});
  // Labels: out of range for the class count; row count.
  writeFile(x, good);
  writeFile(y, npyFile("|u1", "(2,)", u8({0, 2})));
  expectError(load(2), d,
              {y + ": offset 129: label 2 out of range for 2 classes"});
  writeFile(y, npyFile("|u1", "(3,)", u8({0, 1, 1})));
  EXPECT_EQ(load(), DLC_ERR_MISMATCH);
  EXPECT_EQ(error(), y + ": 3 rows, but " + x + " holds 2 examples");
  writeFile(y, npyFile("<i4", "(2,)", raw(std::vector<int32_t>{0, -1})));
  expectError(load(), d, {y + ": offset 132: label -1 is negative"});
}

//===--- Validation split -------------------------------------------------===//

TEST_F(DataReaderTest, SplitDrawsTheFractionAtRandomTheSameEveryTime) {
  std::vector<float> x, y;
  for (int i = 0; i < 10; ++i) {
    x.push_back((float)i);
    y.push_back((float)(i % 2));
    y.push_back((float)(1 - i % 2));
  }
  DatasetPtr all = makeData(x, y, 1, 2);
  struct Case {
    double fraction;
    int64_t train;
  } cases[] = {{0.1, 9}, {0.25, 7}, {0.5, 5}, {0.01, 9}, {0.7, 3}};
  for (const Case &c : cases) {
    SCOPED_TRACE(c.fraction);
    dlc_dataset *t = nullptr, *v = nullptr;
    ASSERT_EQ(dlc_dataset_split(all.get(), c.fraction, &t, &v), DLC_OK)
        << error();
    DatasetPtr train(t), val(v);
    ASSERT_EQ(dlc_dataset_size(t), c.train);
    ASSERT_EQ(dlc_dataset_size(v), 10 - c.train);
    // Every example in exactly one part, each part in file order, rows
    // with their own targets.
    std::vector<float> tx = rowsOf(dlc_dataset_x(t), c.train),
                       vx = rowsOf(dlc_dataset_x(v), 10 - c.train);
    EXPECT_TRUE(std::is_sorted(tx.begin(), tx.end()));
    EXPECT_TRUE(std::is_sorted(vx.begin(), vx.end()));
    std::vector<float> both = tx;
    both.insert(both.end(), vx.begin(), vx.end());
    std::sort(both.begin(), both.end());
    EXPECT_EQ(both, x);
    for (int64_t i = 0; i < 10 - c.train; ++i) {
      const int row = (int)vx[i];
      EXPECT_EQ(dlc_dataset_y(v)[2 * i], y[2 * row]);
      EXPECT_EQ(dlc_dataset_y(v)[2 * i + 1], y[2 * row + 1]);
    }
    for (int64_t i = 0; i < c.train; ++i)
      EXPECT_EQ(dlc_dataset_y(t)[2 * i], y[2 * (int)tx[i]]);
    // The same draw on every call.
    dlc_dataset *t2 = nullptr, *v2 = nullptr;
    ASSERT_EQ(dlc_dataset_split(all.get(), c.fraction, &t2, &v2), DLC_OK);
    DatasetPtr train2(t2), val2(v2);
    EXPECT_EQ(rowsOf(dlc_dataset_x(v2), 10 - c.train), vx);
  }
  // Sorted by class (as image folders are): a random tenth holds several
  // classes, not the last one only.
  {
    std::vector<float> sx, sy;
    for (int i = 0; i < 1000; ++i) {
      sx.push_back((float)i);
      for (int k = 0; k < 10; ++k)
        sy.push_back(i / 100 == k ? 1.0f : 0.0f);
    }
    DatasetPtr sorted = makeData(sx, sy, 1, 10);
    dlc_dataset *st = nullptr, *sv = nullptr;
    ASSERT_EQ(dlc_dataset_split(sorted.get(), 0.1, &st, &sv), DLC_OK);
    DatasetPtr strain(st), sval(sv);
    ASSERT_EQ(dlc_dataset_size(sv), 100);
    std::vector<int> perClass(10, 0);
    for (int64_t i = 0; i < 100; ++i)
      ++perClass[(int)dlc_dataset_x(sv)[i] / 100];
    for (int k = 0; k < 10; ++k)
      EXPECT_GE(perClass[k], 2) << "class " << k;
  }
  dlc_dataset *t = nullptr, *v = nullptr;
  // TFLearn's int(10 * (1 - 0.9)) is 0 in floating point: an error.
  for (double bad : {0.0, 1.0, -0.5, 0.99, 0.9, 0.05 /* 9.5 -> 9 */})
    if (bad == 0.05) {
      ASSERT_EQ(dlc_dataset_split(all.get(), bad, &t, &v), DLC_OK);
      EXPECT_EQ(dlc_dataset_size(v), 1);
      dlc_dataset_free(t);
      dlc_dataset_free(v);
    } else {
      EXPECT_EQ(dlc_dataset_split(all.get(), bad, &t, &v),
                DLC_ERR_INVALID_ARGUMENT)
          << bad;
      EXPECT_EQ(t, nullptr);
      EXPECT_EQ(v, nullptr);
    }
  EXPECT_EQ(dlc_dataset_split(all.get(), 0.99, &t, &v),
            DLC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(error(), "a validation fraction of 0.99 of 10 examples leaves 0 "
                     "for training and 10 for validation: both need at "
                     "least one");
}

TEST_F(DataReaderTest, SplitKeepsImageShapeAndClasses) {
  const std::string img = dir.file("images"), lab = dir.file("labels");
  writeBytes(img, idxImages(4, 1, 2, {0, 1, 2, 3, 4, 5, 6, 7}));
  writeBytes(lab, idxLabels({0, 1, 2, 3}));
  dlc_dataset *d = nullptr, *t = nullptr, *v = nullptr;
  ASSERT_EQ(dlc_dataset_load_idx(img.c_str(), lab.c_str(), 0, &d), DLC_OK);
  DatasetPtr all(d);
  ASSERT_EQ(dlc_dataset_split(d, 0.5, &t, &v), DLC_OK);
  DatasetPtr train(t), val(v);
  int64_t hwc[3];
  ASSERT_EQ(dlc_dataset_image_shape(v, hwc), 1);
  EXPECT_EQ(std::vector<int64_t>(hwc, hwc + 3),
            (std::vector<int64_t>{1, 2, 1}));
  EXPECT_EQ(dlc_dataset_num_classes(v), 10);
  EXPECT_EQ(dlc_dataset_x(v)[0], scaled(4));
  EXPECT_EQ(dlc_dataset_y(v)[2], 1.0f);
}

//===--- The real Fashion-MNIST -------------------------------------------===//

TEST_F(DataReaderTest, FashionMnistFromDebian) {
  const std::string root = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(root + "/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << root << " is missing (Debian's dataset-fashion-mnist)";
  dlc_dataset *d = nullptr;
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(dlc_dataset_load_idx((root + "/train-images-idx3-ubyte.gz").c_str(),
                                 (root + "/train-labels-idx1-ubyte.gz").c_str(),
                                 10, &d),
            DLC_OK)
      << error();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  DatasetPtr train(d);
  RecordProperty("train_load_seconds", std::to_string(seconds));
  EXPECT_EQ(dlc_dataset_size(d), 60000);
  int64_t hwc[3];
  ASSERT_EQ(dlc_dataset_image_shape(d, hwc), 1);
  EXPECT_EQ(std::vector<int64_t>(hwc, hwc + 3),
            (std::vector<int64_t>{28, 28, 1}));
  const float *y = dlc_dataset_y(d);
  EXPECT_EQ(std::max_element(y, y + 10) - y, 9); // ankle boot
  const float *x = dlc_dataset_x(d);
  EXPECT_GE(*std::min_element(x, x + 60000 * 784), 0.0f);
  EXPECT_LE(*std::max_element(x, x + 60000 * 784), 1.0f);
  ASSERT_EQ(dlc_dataset_load_idx((root + "/t10k-images-idx3-ubyte.gz").c_str(),
                                 (root + "/t10k-labels-idx1-ubyte.gz").c_str(),
                                 10, &d),
            DLC_OK)
      << error();
  EXPECT_EQ(dlc_dataset_size(d), 10000);
  dlc_dataset_free(d);
}

//===--- dlc train --data SPEC --validation ... ---------------------------===//

class DataCliTest : public DataReaderTest {
protected:
  ChildResult train(std::vector<std::string> extra) {
    std::vector<std::string> args = {"train", DLC_TEST_LINEAR_MODEL, "--model",
                                     "softmax_model"};
    args.insert(args.end(), extra.begin(), extra.end());
    return runCli(dlcTrainMain, args, dir.path);
  }
  /// 2 classes of 1x2 gray images: class a when the left pixel is darker.
  void writeFolder(const std::string &root, int count) {
    for (const char *c : {"a", "b"})
      std::filesystem::create_directories(root + "/" + c);
    for (int i = 0; i < count; ++i) {
      unsigned char lo = (unsigned char)(20 + 10 * i),
                    hi = (unsigned char)(200 - 5 * i);
      writePng(root + "/a/" + std::to_string(i) + ".png", 2, 1, 1, {lo, hi});
      writePng(root + "/b/" + std::to_string(i) + ".png", 2, 1, 1, {hi, lo});
    }
  }
};

TEST_F(DataCliTest, ShapeMismatchIsOneClearLine) {
  std::filesystem::create_directories(dir.file("m"));
  writeBytes(dir.file("m/train-images-idx3-ubyte"),
             idxImages(2, 2, 2, Bytes(8, 1)));
  writeGzip(dir.file("m/train-labels-idx1-ubyte.gz"), idxLabels({0, 1}));
  std::string spec = "mnist:" + dir.file("m");
  ChildResult r = train({"--data", spec});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: data '" + spec +
                       "' does not fit model 'softmax_model': its images are "
                       "2x2x1 (HxWxC, input shape [?, 2, 2, 1]) but the "
                       "model's input shape is [?, 2]\n");
  // The right input but 10 classes for a 2-way output.
  writeBytes(dir.file("m/train-images-idx3-ubyte"),
             idxImages(2, 1, 2, Bytes(4, 1)));
  r = train({"--data", spec});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: data '" + spec +
                       "' does not fit model 'softmax_model': it has 10 "
                       "classes but the model's output shape is [?, 2]\n");
  // npy rows of the wrong width.
  writeFile(dir.file("x.npy"),
            npyFile("<f4", "(2, 3)", raw(std::vector<float>(6, 0))));
  writeFile(dir.file("y.npy"), npyFile("|u1", "(2,)", u8({0, 1})));
  r = train({"--data", "npy:x.npy,y.npy"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: data 'npy:x.npy,y.npy' does not fit model "
                   "'softmax_model': its rows have 3 input values but the "
                   "model's input shape is [?, 2] (2 values)\n");
}

TEST_F(DataCliTest, Cifar10AndIdxSpecsFindTheirFiles) {
  // cifar10:DIR takes the data_batch_N.bin present, test_batch.bin as test.
  std::filesystem::create_directories(dir.file("c"));
  writeBytes(dir.file("c/data_batch_1.bin"), cifarRecord(1, 0));
  writeBytes(dir.file("c/data_batch_3.bin"), cifarRecord(2, 0));
  ChildResult r = train({"--data", "cifar10:c", "--validation", "test"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: data 'cifar10:c' does not fit model "
                   "'softmax_model': its images are 32x32x3 (HxWxC, input "
                   "shape [?, 32, 32, 3]) but the model's input shape is "
                   "[?, 2]\n");
  std::filesystem::remove(dir.file("c/data_batch_1.bin"));
  std::filesystem::remove(dir.file("c/data_batch_3.bin"));
  r = train({"--data", "cifar10:c"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: cifar10:c: no c/data_batch_1.bin .. "
                   "c/data_batch_5.bin\n");
  // An IDX test part that is missing.
  std::filesystem::create_directories(dir.file("f"));
  writeGzip(dir.file("f/train-images-idx3-ubyte.gz"),
            idxImages(2, 1, 2, Bytes(4, 1)));
  writeBytes(dir.file("f/train-labels-idx1-ubyte"), idxLabels({0, 1}));
  r = train({"--data", "fashion-mnist:f", "--validation", "test"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: data 'fashion-mnist:f' does not fit model "
                   "'softmax_model': it has 10 classes but the model's "
                   "output shape is [?, 2]\n");
}

TEST_F(DataCliTest, ValidationOptionErrors) {
  writeFile(dir.file("d.csv"), "0,1,1,0\n1,0,0,1\n");
  ChildResult r = train({"--data", "d.csv", "--validation", "0"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(lines(r.err)[0], "dlc: error: --validation expects test, none or "
                             "a fraction in (0, 1), got '0'");
  for (const char *bad : {"1", "1.5", "-0.1", "abc", "0.1x", "", "nan"}) {
    r = train({"--data", "d.csv", "--validation", bad});
    EXPECT_EQ(r.exitCode, 2) << bad;
  }
  r = train({"--data", "d.csv", "--validation", "test"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: --validation test: 'd.csv' has no test part "
                   "(only fashion-mnist, mnist, cifar10 and imagefolder with "
                   "train/ and test/ have one); use --validation FRACTION or "
                   "--validation-data FILE.csv\n");
  r = train(
      {"--data", "d.csv", "--validation", "0.5", "--validation-data", "d.csv"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(lines(r.err)[0], "dlc: error: --validation and --validation-data "
                             "exclude each other");
  // 2 rows at 0.9: nothing left to train on.
  r = train({"--data", "d.csv", "--validation", "0.9"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: --validation 0.9: a validation fraction of "
                   "0.9 of 2 examples leaves 0 for training and 2 for "
                   "validation: both need at least one\n");
  r = train({"--data", "npy:x.npy"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(lines(r.err)[0],
            "dlc: error: --data npy: expects npy:X.npy,Y.npy, got 'npy:x.npy'");
  r = train({"--data", "cifar10:"});
  EXPECT_EQ(r.exitCode, 2);
  r = train({"--data", "cifar10:" + dir.file("none")});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: cifar10:" + dir.file("none") + ": " +
                       dir.file("none") + " is not a directory\n");
  writeFolder(dir.file("flat"), 2);
  r = train({"--data", "imagefolder:flat", "--validation", "test"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(lines(r.err)[0].rfind("dlc: error: --validation test: "
                                  "'imagefolder:flat' has no test part (no "
                                  "flat/train and flat/test)",
                                  0),
            0u)
      << r.err;
}

TEST_F(DataCliTest, TrainAndTestPartsNeedTheSameClassFolders) {
  // train/{a, b} and test/{a, c}: label 1 would mean b in one, c in the
  // other, and val_acc would measure nothing.
  writeFolder(dir.file("imgs/train"), 2);
  writeFolder(dir.file("imgs/test"), 1);
  std::filesystem::rename(dir.file("imgs/test/b"), dir.file("imgs/test/c"));
  ChildResult r = train({"--data", "imagefolder:imgs", "--validation", "test",
                         "--epochs", "1", "--quiet"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: data 'imagefolder:imgs': class 1 is 'b' in the "
                   "training part but 'c' in the test part: both need the "
                   "same class folders\n");
}

TEST_F(DataCliTest, TrainsOnImageFoldersAndNpy) {
  writeFolder(dir.file("imgs/train"), 6);
  writeFolder(dir.file("imgs/test"), 2);
  ChildResult r = train({"--data", "imagefolder:imgs", "--validation", "test",
                         "--epochs", "2", "--batch-size", "4", "--quiet"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::vector<std::string> out = lines(r.out);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].rfind("Data: imagefolder:imgs: 12 training examples, 4 "
                         "validation (test part), 1x2x1, 2 classes, loaded "
                         "in ",
                         0),
            0u)
      << out[0];
  EXPECT_NE(r.out.find("val_acc"), std::string::npos) << r.out;

  r = train({"--data", "imagefolder:imgs/train", "--validation", "0.25",
             "--epochs", "1", "--quiet"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(lines(r.out)[0].rfind("Data: imagefolder:imgs/train: 9 training "
                                  "examples, 3 validation (split)",
                                  0),
            0u)
      << r.out;

  std::vector<float> x;
  std::string labels;
  for (int i = 0; i < 8; ++i) {
    x.push_back((float)(i % 2));
    x.push_back((float)(1 - i % 2));
    labels += (char)(i % 2);
  }
  writeFile(dir.file("x.npy"), npyFile("<f4", "(8, 2)", raw(x)));
  writeFile(dir.file("y.npy"), npyFile("|u1", "(8,)", labels));
  r = train({"--data", "npy:x.npy,y.npy", "--epochs", "1", "--quiet"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(lines(r.out)[0].rfind("Data: npy:x.npy,y.npy: 8 training "
                                  "examples, 0 validation (none), 2 values, "
                                  "2 classes",
                                  0),
            0u)
      << r.out;
}

} // namespace
