//===- ReportTest.cpp - `dlc report`: the HTML page and its screenshot ----===//
//
// Event files with known values go in; the page's SVG paths are parsed back
// into (step, value) points through the axis ranges the page declares, and
// compared with what was logged (a resumed run's purged steps excluded, a
// corrupt record skipped and reported). Then headless Chromium (Debian's
// `chromium`; skipped when absent) screenshots the page and the plot area
// must show the runs' colours.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"
#include "dlc_cli.h"

#include <cmath>
#include <cstring>
#include <set>
#include <sys/stat.h>

#ifdef DLC_TEST_HAVE_PNG
#include <png.h>
#endif

using namespace dlc::test;

namespace {

ChildResult report(std::vector<std::string> args) {
  return runInChild([&] {
    std::vector<char *> argv;
    for (std::string &a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    return dlcReportMain((int)args.size(), argv.data());
  });
}

struct WriterCloser {
  void operator()(dlc_event_writer *w) const { dlc_event_writer_close(w); }
};
using WriterPtr = std::unique_ptr<dlc_event_writer, WriterCloser>;

WriterPtr writer(const std::string &dir) {
  dlc_event_writer *w = nullptr;
  EXPECT_EQ(dlc_event_writer_open(dir.c_str(), &w), DLC_OK) << dlc_last_error();
  return WriterPtr(w);
}

using Series = std::vector<std::pair<int64_t, float>>;

/// What the test logged, as the page should show it.
struct Logged {
  std::map<std::string, std::map<std::string, Series>> runs; // run -> tag
};

float lossAt(int64_t step, double scale) {
  return (float)(scale * (2.0 / (1.0 + 0.2 * step)) + 0.01 * std::sin(step));
}

/// Two runs: "alpha" stopped after step 20 and resumed from a step-15
/// checkpoint (a second file whose START drops alpha's 16-20), a classifier;
/// "beta/lr_0.1" logs only raw losses, one record of which is corrupt.
Logged writeRuns(const std::string &logdir, std::string &corruptFile,
                 int64_t &corruptOffset) {
  Logged logged;
  auto &alpha = logged.runs["alpha"];
  {
    WriterPtr w = writer(logdir + "/alpha");
    for (int64_t step = 1; step <= 20; ++step) {
      if (step > 1)
        dlc_event_writer_add_scalar(w.get(), "Loss", lossAt(step, 1.0) + 5);
      dlc_event_writer_add_scalar(w.get(), "Adam/Loss/raw", lossAt(step, 1.0));
      dlc_event_writer_add_scalar(w.get(), "Accuracy", 0.5f + step * 0.01f + 3);
      EXPECT_EQ(dlc_event_writer_write(w.get(), step, 1000.0 + step), DLC_OK);
      if (step % 5 == 0) {
        dlc_event_writer_add_scalar(w.get(), "Loss/Validation", 9.0f);
        dlc_event_writer_write(w.get(), step, 1000.0 + step);
      }
    }
  }
  // The resumed session: a later file name (the same second gets ".1").
  {
    WriterPtr w = writer(logdir + "/alpha");
    dlc_event_writer_session_start(w.get(), 16, 2000.0);
    for (int64_t step = 16; step <= 30; ++step) {
      dlc_event_writer_add_scalar(w.get(), "Loss", lossAt(step, 1.0));
      dlc_event_writer_add_scalar(w.get(), "Adam/Loss/raw", lossAt(step, 1.1));
      dlc_event_writer_add_scalar(w.get(), "Accuracy", 0.5f + step * 0.01f);
      EXPECT_EQ(dlc_event_writer_write(w.get(), step, 2000.0 + step), DLC_OK);
      if (step % 5 == 0) {
        dlc_event_writer_add_scalar(w.get(), "Loss/Validation",
                                    lossAt(step, 1.2));
        dlc_event_writer_add_scalar(w.get(), "Accuracy/Validation",
                                    0.45f + step * 0.01f);
        dlc_event_writer_write(w.get(), step, 2000.0 + step);
      }
    }
  }
  for (int64_t step = 2; step <= 15; ++step)
    alpha["Loss"].emplace_back(step, lossAt(step, 1.0) + 5);
  for (int64_t step = 16; step <= 30; ++step)
    alpha["Loss"].emplace_back(step, lossAt(step, 1.0));
  for (int64_t step : {5, 10, 15})
    alpha["Loss/Validation"].emplace_back(step, 9.0f);
  for (int64_t step : {20, 25, 30})
    alpha["Loss/Validation"].emplace_back(step, lossAt(step, 1.2));
  for (int64_t step = 1; step <= 15; ++step)
    alpha["Accuracy"].emplace_back(step, 0.5f + step * 0.01f + 3);
  for (int64_t step = 16; step <= 30; ++step)
    alpha["Accuracy"].emplace_back(step, 0.5f + step * 0.01f);
  for (int64_t step : {20, 25, 30})
    alpha["Accuracy/Validation"].emplace_back(step, 0.45f + step * 0.01f);

  auto &beta = logged.runs["beta/lr_0.1"];
  std::vector<int64_t> offsets;
  {
    WriterPtr w = writer(logdir + "/beta/lr_0.1");
    corruptFile = dlc_event_writer_path(w.get());
    for (int64_t step = 1; step <= 12; ++step) {
      offsets.push_back((int64_t)std::filesystem::file_size(corruptFile));
      dlc_event_writer_add_scalar(w.get(), "SGD/Loss/raw", lossAt(step, 0.5));
      dlc_event_writer_write(w.get(), step, 3000.0 + step);
      if (step != 7)
        beta["SGD/Loss/raw"].emplace_back(step, lossAt(step, 0.5));
    }
  }
  corruptOffset = offsets[6]; // step 7's record
  std::string bytes = readFile(corruptFile);
  bytes[corruptOffset + 20] ^= 0x04;
  writeFile(corruptFile, bytes);
  return logged;
}

struct Plot {
  double xmin, xmax, ymin, ymax, left, top, width, height;
  // (run, tag, class) -> points in pixels
  std::map<std::tuple<std::string, std::string, std::string>,
           std::vector<std::pair<double, double>>>
      paths;
};

/// The value of attribute `name` in the tag text `tag` ("" if absent).
std::string attribute(const std::string &tag, const std::string &name) {
  const std::string key = " " + name + "=\"";
  size_t at = tag.find(key);
  if (at == std::string::npos)
    return "";
  at += key.size();
  return tag.substr(at, tag.find('"', at) - at);
}

/// "M1.00,2.00L3.00,4.00..." -> points. (Parsed by hand: std::regex
/// recurses once per character and overflows the stack on long paths.)
std::vector<std::pair<double, double>> pathPoints(const std::string &d) {
  std::vector<std::pair<double, double>> points;
  const char *p = d.c_str();
  while (*p == 'M' || *p == 'L') {
    char *end;
    double x = std::strtod(p + 1, &end);
    EXPECT_EQ(*end, ',') << d;
    double y = std::strtod(end + 1, &end);
    points.emplace_back(x, y);
    p = end;
  }
  EXPECT_EQ(*p, '\0') << "unparsed path data: " << p;
  return points;
}

std::map<std::string, Plot> parsePlots(const std::string &html) {
  std::map<std::string, Plot> plots;
  size_t at = 0;
  while ((at = html.find("<g class=\"plot\"", at)) != std::string::npos) {
    const size_t close = html.find('>', at);
    const std::string tag = html.substr(at, close - at);
    Plot p{std::stod(attribute(tag, "data-xmin")),
           std::stod(attribute(tag, "data-xmax")),
           std::stod(attribute(tag, "data-ymin")),
           std::stod(attribute(tag, "data-ymax")),
           std::stod(attribute(tag, "data-left")),
           std::stod(attribute(tag, "data-top")),
           std::stod(attribute(tag, "data-width")),
           std::stod(attribute(tag, "data-height")),
           {}};
    const size_t end = html.find("</g>", close);
    for (size_t q = html.find("<path ", close); q < end;
         q = html.find("<path ", q + 1)) {
      const std::string path = html.substr(q, html.find("/>", q) - q);
      p.paths[{attribute(path, "data-run"), attribute(path, "data-tag"),
               attribute(path, "class")}] = pathPoints(attribute(path, "d"));
      EXPECT_EQ(attribute(path, "stroke").size(), 7u) << path;
    }
    plots[attribute(tag, "data-chart")] = p;
    at = end;
  }
  return plots;
}

/// Checks that `pixels` are `logged` mapped through the plot's axes.
void expectPath(const Plot &plot,
                const std::vector<std::pair<double, double>> &pixels,
                const Series &logged) {
  ASSERT_EQ(pixels.size(), logged.size());
  for (size_t i = 0; i < logged.size(); ++i) {
    const double x = plot.left + (logged[i].first - plot.xmin) /
                                     (plot.xmax - plot.xmin) * plot.width;
    const double y = plot.top + plot.height -
                     (logged[i].second - plot.ymin) / (plot.ymax - plot.ymin) *
                         plot.height;
    EXPECT_NEAR(pixels[i].first, x, 0.006) << "point " << i;
    EXPECT_NEAR(pixels[i].second, y, 0.006) << "point " << i;
  }
}

class ReportTest : public ::testing::Test {
protected:
  void SetUp() override {
    logged = writeRuns(logdir, corruptFile, corruptOffset);
  }
  TempDir dir;
  std::string logdir = dir.file("runs"), out = dir.file("report.html");
  std::string corruptFile;
  int64_t corruptOffset = 0;
  Logged logged;
};

TEST_F(ReportTest, PathsAreTheLoggedValues) {
  ChildResult r = report({"report", logdir, "-o", out});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "Report written: " + out + " (2 runs)\n");
  // The corrupt record is a warning naming the file and offset.
  EXPECT_EQ(r.err.rfind("dlc: warning: " + corruptFile +
                            ": corrupt record at offset " +
                            std::to_string(corruptOffset) +
                            ": data CRC mismatch",
                        0),
            0u)
      << r.err;
  const std::string html = readFile(out);
  std::map<std::string, Plot> plots = parsePlots(html);
  ASSERT_EQ(plots.size(), 2u);
  const Plot &loss = plots["loss"], &acc = plots["accuracy"];
  EXPECT_EQ(loss.paths.size(), 3u); // alpha train + val, beta train
  expectPath(loss, loss.paths.at({"alpha", "Loss", "train"}),
             logged.runs["alpha"]["Loss"]);
  expectPath(loss, loss.paths.at({"alpha", "Loss/Validation", "val"}),
             logged.runs["alpha"]["Loss/Validation"]);
  // A run without the moving average is drawn with its raw losses.
  expectPath(loss, loss.paths.at({"beta/lr_0.1", "SGD/Loss/raw", "train"}),
             logged.runs["beta/lr_0.1"]["SGD/Loss/raw"]);
  EXPECT_EQ(acc.paths.size(), 2u);
  expectPath(acc, acc.paths.at({"alpha", "Accuracy", "train"}),
             logged.runs["alpha"]["Accuracy"]);
  expectPath(acc, acc.paths.at({"alpha", "Accuracy/Validation", "val"}),
             logged.runs["alpha"]["Accuracy/Validation"]);
  // Shared axes hold every value of every run.
  for (const auto &[run, tags] : logged.runs)
    for (const auto &[tag, series] : tags) {
      const Plot &p = tag.find("Accuracy") == 0 ? acc : loss;
      for (auto [step, value] : series) {
        EXPECT_GE(step, p.xmin);
        EXPECT_LE(step, p.xmax);
        EXPECT_GE(value, p.ymin);
        EXPECT_LE(value, p.ymax);
      }
    }
  // The table of final figures.
  char expectedRow[256];
  std::snprintf(expectedRow, sizeof expectedRow,
                "alpha</td><td>30</td><td>%.5f</td><td>%.5f</td><td>%.4f</td>"
                "<td>%.5f</td><td>%.4f</td>",
                lossAt(30, 1.0), lossAt(30, 1.1), 0.5f + 30 * 0.01f,
                lossAt(30, 1.2), 0.45f + 30 * 0.01f);
  EXPECT_NE(html.find(expectedRow), std::string::npos) << html;
  EXPECT_NE(html.find("beta/lr_0.1</td><td>12</td>"), std::string::npos);
  // Self-contained: no script, nothing fetched.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  // "http" only in the SVG namespace name (an identifier, never fetched).
  const std::string ns = "xmlns=\"http://www.w3.org/2000/svg\"";
  std::string withoutNamespace = html;
  for (size_t at; (at = withoutNamespace.find(ns)) != std::string::npos;)
    withoutNamespace.erase(at, ns.size());
  EXPECT_EQ(withoutNamespace.find("http"), std::string::npos);
}

TEST_F(ReportTest, LongSeriesAreThinnedToLoggedPoints) {
  {
    WriterPtr w = writer(logdir + "/long");
    for (int64_t step = 1; step <= 5000; ++step) {
      dlc_event_writer_add_scalar(w.get(), "Loss", lossAt(step, 1.0));
      dlc_event_writer_write(w.get(), step, 1.0 + step);
    }
  }
  ChildResult r = report({"report", logdir, "--output=" + out});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::map<std::string, Plot> plots = parsePlots(readFile(out));
  const auto &pixels = plots["loss"].paths.at({"long", "Loss", "train"});
  // Every 3rd point (5000 / 2000 rounded up) and the last.
  Series kept;
  for (int64_t step = 1; step <= 5000; ++step)
    if ((step - 1) % 3 == 0 || step == 5000)
      kept.emplace_back(step, lossAt(step, 1.0));
  expectPath(plots["loss"], pixels, kept);
}

TEST_F(ReportTest, Errors) {
  ChildResult r = report({"report", dir.file("nope"), "-o", out});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: " + dir.file("nope") + ": not a directory\n");
  std::filesystem::create_directory(dir.file("empty"));
  r = report({"report", dir.file("empty"), "-o", out});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: " + dir.file("empty") +
                       ": no TensorBoard event files (events.out.tfevents.*) "
                       "in it or below it\n");
  // An output that is not a regular file is refused before any reading.
  const std::string fifo = dir.file("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  r = report({"report", dir.file("empty"), "-o", fifo});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: " + fifo +
                       ": not a regular file (a FIFO): dlc replaces files "
                       "only\n");
  EXPECT_TRUE(std::filesystem::is_fifo(fifo));
  r = report({"report", dir.file("empty"), "-o", dir.file("no/dir/r.html")});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "dlc: error: " + dir.file("no/dir/r.html") +
                       ": no directory '" + dir.file("no/dir") + "'\n");
  r = report({"report"});
  EXPECT_EQ(r.exitCode, 2);
  r = report({"report", "--help"});
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.out.rfind("usage: dlc report LOGDIR", 0), 0u);
  EXPECT_FALSE(std::filesystem::exists(out));
}

/// The first `chromium` or `chromium-browser` on PATH, or "".
std::string findChromium() {
  const char *path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string d; std::getline(dirs, d, ':');)
    for (const char *name : {"chromium", "chromium-browser"}) {
      std::string candidate = d + "/" + name;
      if (access(candidate.c_str(), X_OK) == 0)
        return candidate;
    }
  return "";
}

TEST_F(ReportTest, ChromiumScreenshotShowsThePlots) {
  const std::string chromium = findChromium();
  if (chromium.empty())
    GTEST_SKIP() << "chromium is not installed (scripts/bootstrap.sh)";
#ifndef DLC_TEST_HAVE_PNG
  GTEST_SKIP() << "built without libpng";
#else
  ChildResult r = report({"report", logdir, "-o", out});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::string png = dir.file("shot.png"), profile = dir.file("profile");
  std::filesystem::create_directory(profile);
  std::vector<std::string> args = {
      chromium, "--headless", "--no-sandbox", "--disable-gpu",
      "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync",
      "--user-data-dir=" + profile, "--screenshot=" + png,
      "--window-size=1200,900", "file://" + out};
  ChildResult c = runInChild([&] {
    std::vector<char *> argv;
    for (std::string &a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    alarm(120); // a hung browser fails the test instead of the suite
    execv(argv[0], argv.data());
    return 127;
  });
  ASSERT_EQ(c.exitCode, 0) << c.err;
  ASSERT_TRUE(std::filesystem::exists(png)) << c.err;
  if (const char *keep = std::getenv("DLC_TEST_KEEP_SCREENSHOT"))
    std::filesystem::copy_file(png, keep,
                               std::filesystem::copy_options::overwrite_existing);

  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  ASSERT_TRUE(png_image_begin_read_from_file(&image, png.c_str()))
      << image.message;
  image.format = PNG_FORMAT_RGB;
  std::vector<unsigned char> rgb(PNG_IMAGE_SIZE(image));
  ASSERT_TRUE(png_image_finish_read(&image, nullptr, rgb.data(), 0, nullptr))
      << image.message;
  ASSERT_EQ(image.width, 1200u);
  ASSERT_EQ(image.height, 900u);
  // The two charts sit side by side under the title and legend: the loss
  // chart's plot area is within x 40..600, y 60..460 and the accuracy one's
  // right of it. Each must show its runs' colours (#1f77b4 alpha,
  // #ff7f0e beta) as drawn lines, and more than a blank frame.
  auto near = [](const unsigned char *p, int r, int g, int b) {
    return std::abs(p[0] - r) + std::abs(p[1] - g) + std::abs(p[2] - b) < 60;
  };
  struct Region {
    unsigned x0, x1, y0, y1;
  };
  auto count = [&](Region reg, int r, int g, int b) {
    int n = 0;
    for (unsigned y = reg.y0; y < reg.y1; ++y)
      for (unsigned x = reg.x0; x < reg.x1; ++x)
        n += near(&rgb[(y * image.width + x) * 3], r, g, b);
    return n;
  };
  auto colours = [&](Region reg) {
    std::set<uint32_t> seen;
    for (unsigned y = reg.y0; y < reg.y1; ++y)
      for (unsigned x = reg.x0; x < reg.x1; ++x) {
        const unsigned char *p = &rgb[(y * image.width + x) * 3];
        seen.insert((uint32_t)p[0] << 16 | p[1] << 8 | p[2]);
      }
    return seen.size();
  };
  const Region lossArea{40, 600, 60, 460}, accArea{600, 1200, 60, 460};
  EXPECT_GT(count(lossArea, 0x1f, 0x77, 0xb4), 300); // alpha's lines
  EXPECT_GT(count(lossArea, 0xff, 0x7f, 0x0e), 100); // beta's short line
  EXPECT_GT(count(accArea, 0x1f, 0x77, 0xb4), 300);
  EXPECT_GT(colours(lossArea), 20u); // lines, grid, labels: not blank
  EXPECT_GT(colours(accArea), 20u);
  png_image_free(&image);
#endif
}

} // namespace
