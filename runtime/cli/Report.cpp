//===- Report.cpp - `dlc report`: compare the runs of a log directory -----===//
//
//   dlc report LOGDIR [-o report.html] [--title TEXT]
//
// Reads the TensorBoard event files of every run under LOGDIR (a run is a
// directory holding events.out.tfevents.* files, named by its path under
// LOGDIR) and writes one self-contained HTML page: inline SVG charts of the
// loss and the accuracy, training (solid) and validation (dashed, dots), of
// every run on shared axes, and a table of final figures. No script, no
// external resource. Corrupt records are reported as warnings (file and
// offset) and skipped. Event files are read in name order, and a SessionLog
// START drops the earlier data of its steps and later ones, as TensorBoard
// does, so a resumed run shows one continuous curve.
//
// The SVG is laid out for tests to check: each chart's plot area is a
// <g class="plot"> whose data-* attributes give the axis ranges and the
// pixel box, and each series is a <path> with data-run and data-tag whose
// points are (left + (step - xmin) / (xmax - xmin) * width,
// top + height - (value - ymin) / (ymax - ymin) * height), 2 decimals.
//
//===----------------------------------------------------------------------===//

#include "CliSupport.h"
#include "dlc_cli.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unistd.h>

using namespace dlc::cli;
namespace fs = std::filesystem;

namespace {

const char *const kUsage =
    "usage: dlc report LOGDIR [-o report.html] [--title TEXT]";

const char *const kHelp =
    "Compare the training runs of a log directory on one HTML page.\n"
    "\n"
    "Every directory under LOGDIR holding TensorBoard event files (as written "
    "by\n"
    "'dlc train --logdir LOGDIR --run-id ID') is a run. The page plots loss "
    "and\n"
    "accuracy, training and validation, of all runs on shared axes and "
    "tabulates\n"
    "their final figures. It is self-contained: inline SVG, no script.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE   where to write the page (default report.html)\n"
    "  --title TEXT        the page's title (default: the log directory)\n"
    "  --help              show this help\n";

/// Most points drawn per series; longer series keep every k-th point (and
/// the last), each a logged value.
constexpr size_t kMaxPoints = 2000;

struct Point {
  int64_t step;
  float value;
  double wall;
};

struct Run {
  std::string name;
  std::vector<std::string> files;
  std::map<std::string, std::vector<Point>> scalars;
  int64_t lastStep = 0;
};

struct ReadState {
  Run *run;
  std::vector<std::string> *warnings;
};

int onEvent(const dlc_event *e, void *user) {
  Run &run = *static_cast<ReadState *>(user)->run;
  if (e->kind == DLC_EVENT_SESSION_LOG &&
      e->session_status == DLC_SESSION_START) {
    // TensorBoard's purge: a restarted session replaces these steps.
    for (auto &[tag, points] : run.scalars)
      points.erase(std::remove_if(points.begin(), points.end(),
                                  [&](const Point &p) {
                                    return p.step >= e->step;
                                  }),
                   points.end());
    return 0;
  }
  if (e->kind != DLC_EVENT_SUMMARY)
    return 0;
  for (int64_t i = 0; i < e->num_values; ++i) {
    const dlc_summary_value &v = e->values[i];
    if (!v.is_histogram)
      run.scalars[v.tag].push_back({e->step, v.value, e->wall_time});
  }
  return 0;
}

void onProblem(int64_t, const char *message, void *user) {
  static_cast<ReadState *>(user)->warnings->push_back(message);
}

std::string escape(const std::string &text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&#39;"; break;
    default: out += c;
    }
  }
  return out;
}

std::string fmt(const char *format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

/// A tick step of 1, 2 or 5 times a power of ten giving about `ticks` ticks.
double niceStep(double span, int ticks) {
  const double raw = span / ticks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * magnitude;
}

struct Axis {
  double min = 0, max = 1, step = 0.2;
};

Axis niceAxis(double lo, double hi, int ticks) {
  if (!(hi > lo)) { // one value, or none
    double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  Axis a;
  a.step = niceStep(hi - lo, ticks);
  a.min = std::floor(lo / a.step) * a.step;
  a.max = std::ceil(hi / a.step) * a.step;
  return a;
}

std::string tickLabel(double v, double step) {
  if (std::fabs(v) < step * 1e-6)
    v = 0;
  int decimals = std::max(0, (int)std::ceil(-std::log10(step) - 1e-9));
  char buf[64];
  if (std::fabs(v) >= 1e6 || (v != 0 && std::fabs(v) < 1e-4))
    std::snprintf(buf, sizeof buf, "%.1e", v);
  else
    std::snprintf(buf, sizeof buf, "%.*f", std::min(decimals, 8), v);
  return buf;
}

const char *const kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                               "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                               "#bcbd22", "#17becf"};

std::string colorOf(size_t run) { return kColors[run % 10]; }

/// The training series of a run for a chart: its moving average, or the
/// raw values when there is none.
const std::vector<Point> *series(const Run &run, const std::string &tag,
                                 const std::string &rawSuffix) {
  auto it = run.scalars.find(tag);
  if (it != run.scalars.end() && !it->second.empty())
    return &it->second;
  for (const auto &[name, points] : run.scalars)
    if (!points.empty() && name.size() >= rawSuffix.size() &&
        name.compare(name.size() - rawSuffix.size(), rawSuffix.size(),
                     rawSuffix) == 0)
      return &points;
  return nullptr;
}

struct Chart {
  std::string id, title, trainTag, rawSuffix, valTag;
};

/// One chart: all runs, training solid, validation dashed with dots.
std::string renderChart(const Chart &c, const std::vector<Run> &runs) {
  const int W = 560, H = 360, left = 64, top = 34, pw = 472, ph = 276;
  struct Series {
    size_t run;
    bool val;
    std::string tag;
    const std::vector<Point> *points;
  };
  std::vector<Series> all;
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  for (size_t r = 0; r < runs.size(); ++r) {
    const std::vector<Point> *train = series(runs[r], c.trainTag, c.rawSuffix);
    auto v = runs[r].scalars.find(c.valTag);
    const std::vector<Point> *val =
        v != runs[r].scalars.end() && !v->second.empty() ? &v->second
                                                         : nullptr;
    for (auto [points, isVal] : {std::pair{train, false}, {val, true}}) {
      if (!points)
        continue;
      std::string tag; // the tag actually drawn (the raw one as fallback)
      for (const auto &[name, pts] : runs[r].scalars)
        if (&pts == points)
          tag = name;
      all.push_back({r, isVal, tag, points});
      for (const Point &p : *points) {
        if (!std::isfinite(p.value))
          continue;
        xlo = std::min(xlo, (double)p.step);
        xhi = std::max(xhi, (double)p.step);
        ylo = std::min(ylo, (double)p.value);
        yhi = std::max(yhi, (double)p.value);
      }
    }
  }
  std::ostringstream svg;
  svg << "<figure class=\"chart\" id=\"" << c.id << "\">\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\""
      << W << "\" height=\"" << H << "\" viewBox=\"0 0 " << W << " " << H
      << "\" role=\"img\" aria-label=\"" << escape(c.title) << "\">\n";
  svg << "<text x=\"" << W / 2 << "\" y=\"20\" class=\"title\">"
      << escape(c.title) << "</text>\n";
  if (all.empty()) {
    svg << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw
        << "\" height=\"" << ph << "\" class=\"frame\"/>\n<text x=\""
        << left + pw / 2 << "\" y=\"" << top + ph / 2
        << "\" class=\"empty\">nothing logged</text>\n</svg>\n</figure>\n";
    return svg.str();
  }
  Axis xa = niceAxis(std::min(xlo, 0.0), xhi, 6);
  xa.min = std::max(xa.min, 0.0);
  Axis ya = niceAxis(ylo, yhi, 5);
  auto px = [&](double x) { return left + (x - xa.min) / (xa.max - xa.min) * pw; };
  auto py = [&](double y) {
    return top + ph - (y - ya.min) / (ya.max - ya.min) * ph;
  };
  // Grid and axes.
  svg << "<g class=\"grid\">\n";
  for (double y = ya.min; y <= ya.max + ya.step * 1e-6; y += ya.step)
    svg << "<line x1=\"" << left << "\" x2=\"" << left + pw << "\" y1=\""
        << fmt("%.2f", py(y)) << "\" y2=\"" << fmt("%.2f", py(y))
        << "\"/><text x=\"" << left - 6 << "\" y=\"" << fmt("%.2f", py(y) + 4)
        << "\" class=\"ytick\">" << tickLabel(y, ya.step) << "</text>\n";
  for (double x = xa.min; x <= xa.max + xa.step * 1e-6; x += xa.step)
    svg << "<line x1=\"" << fmt("%.2f", px(x)) << "\" x2=\""
        << fmt("%.2f", px(x)) << "\" y1=\"" << top << "\" y2=\"" << top + ph
        << "\"/><text x=\"" << fmt("%.2f", px(x)) << "\" y=\"" << top + ph + 16
        << "\" class=\"xtick\">" << tickLabel(x, xa.step) << "</text>\n";
  svg << "</g>\n<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw
      << "\" height=\"" << ph << "\" class=\"frame\"/>\n";
  svg << "<text x=\"" << left + pw / 2 << "\" y=\"" << H - 6
      << "\" class=\"xlabel\">step</text>\n";
  svg << "<g class=\"plot\" data-chart=\"" << c.id << "\" data-xmin=\""
      << fmt("%.17g", xa.min) << "\" data-xmax=\"" << fmt("%.17g", xa.max)
      << "\" data-ymin=\"" << fmt("%.17g", ya.min) << "\" data-ymax=\""
      << fmt("%.17g", ya.max) << "\" data-left=\"" << left << "\" data-top=\""
      << top << "\" data-width=\"" << pw << "\" data-height=\"" << ph
      << "\">\n";
  // Training first, validation on top.
  for (bool val : {false, true})
    for (const Series &s : all) {
      if (s.val != val)
        continue;
      const std::vector<Point> &pts = *s.points;
      const size_t every = (pts.size() + kMaxPoints - 1) / kMaxPoints;
      std::string d;
      std::vector<std::pair<double, double>> dots;
      bool pen = false;
      for (size_t i = 0; i < pts.size(); ++i) {
        if (i % every != 0 && i + 1 != pts.size())
          continue;
        if (!std::isfinite(pts[i].value)) {
          pen = false; // a gap at a NaN or infinite loss
          continue;
        }
        const double x = px((double)pts[i].step), y = py(pts[i].value);
        d += (pen ? "L" : "M") + fmt("%.2f", x) + "," + fmt("%.2f", y);
        pen = true;
        if (val || pts.size() == 1)
          dots.emplace_back(x, y);
      }
      const std::string color = colorOf(s.run);
      svg << "<path class=\"" << (val ? "val" : "train") << "\" data-run=\""
          << escape(runs[s.run].name) << "\" data-tag=\"" << escape(s.tag)
          << "\" stroke=\"" << color << "\"" << (val ? " stroke-dasharray=\"6 4\"" : "")
          << " d=\"" << d << "\"/>\n";
      for (auto [x, y] : dots)
        svg << "<circle cx=\"" << fmt("%.2f", x) << "\" cy=\""
            << fmt("%.2f", y) << "\" r=\"3\" fill=\"" << color << "\"/>\n";
    }
  svg << "</g>\n</svg>\n</figure>\n";
  return svg.str();
}

std::string lastValue(const Run &run, const std::string &tag,
                      const char *format) {
  auto it = run.scalars.find(tag);
  if (it == run.scalars.end() || it->second.empty())
    return "&ndash;";
  return fmt(format, it->second.back().value);
}

std::string duration(double seconds) {
  char buf[64];
  if (seconds < 60)
    std::snprintf(buf, sizeof buf, "%.1f s", seconds);
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld",
                  (long long)seconds / 3600, (long long)seconds / 60 % 60,
                  (long long)seconds % 60);
  return buf;
}

std::string renderTable(const std::vector<Run> &runs) {
  std::ostringstream t;
  t << "<table>\n<thead><tr><th>run</th><th>steps</th><th>loss</th>"
       "<th>raw loss</th><th>accuracy</th><th>val loss</th><th>val acc</th>"
       "<th>best val loss (step)</th><th>best val acc (step)</th>"
       "<th>time</th></tr></thead>\n<tbody>\n";
  for (size_t r = 0; r < runs.size(); ++r) {
    const Run &run = runs[r];
    std::string raw = "&ndash;";
    double first = INFINITY, last = -INFINITY;
    for (const auto &[tag, points] : run.scalars) {
      if (tag.size() > 9 && tag.compare(tag.size() - 9, 9, "/Loss/raw") == 0 &&
          !points.empty())
        raw = fmt("%.5f", points.back().value);
      for (const Point &p : points) {
        first = std::min(first, p.wall);
        last = std::max(last, p.wall);
      }
    }
    auto best = [&](const std::string &tag, bool lowest, const char *format) {
      auto it = run.scalars.find(tag);
      if (it == run.scalars.end() || it->second.empty())
        return std::string("&ndash;");
      const Point *b = &it->second.front();
      for (const Point &p : it->second)
        if (lowest ? p.value < b->value : p.value > b->value)
          b = &p;
      return fmt(format, b->value) + " (" + std::to_string(b->step) + ")";
    };
    t << "<tr><td><span class=\"swatch\" style=\"background:" << colorOf(r)
      << "\"></span>" << escape(run.name) << "</td><td>" << run.lastStep
      << "</td><td>" << lastValue(run, "Loss", "%.5f") << "</td><td>" << raw
      << "</td><td>" << lastValue(run, "Accuracy", "%.4f") << "</td><td>"
      << lastValue(run, "Loss/Validation", "%.5f") << "</td><td>"
      << lastValue(run, "Accuracy/Validation", "%.4f") << "</td><td>"
      << best("Loss/Validation", true, "%.5f") << "</td><td>"
      << best("Accuracy/Validation", false, "%.4f") << "</td><td>"
      << (last >= first ? duration(last - first) : "&ndash;") << "</td></tr>\n";
  }
  t << "</tbody>\n</table>\n";
  return t.str();
}

const char *const kStyle = R"(
body { font-family: sans-serif; margin: 16px; color: #222; background: #fff; }
h1 { font-size: 20px; margin: 0 0 8px 0; }
.legend { margin: 4px 0 8px 0; font-size: 13px; }
.legend span.run { margin-right: 14px; white-space: nowrap; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; }
.charts { display: flex; flex-wrap: wrap; gap: 8px; }
figure.chart { margin: 0; }
svg text { font-size: 11px; fill: #444; }
svg text.title { font-size: 14px; text-anchor: middle; fill: #222; }
svg text.ytick { text-anchor: end; }
svg text.xtick, svg text.xlabel, svg text.empty { text-anchor: middle; }
svg .grid line { stroke: #e4e4e4; stroke-width: 1; }
svg rect.frame { fill: none; stroke: #999; }
svg path { fill: none; stroke-width: 1.6; stroke-linejoin: round; }
svg path.val { stroke-width: 1.6; }
table { border-collapse: collapse; margin-top: 12px; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.warnings { color: #a33; font-size: 12px; }
)";

} // namespace

int dlcReportMain(int argc, char **argv) {
  Args args;
  std::string error;
  if (!args.parse(argc, argv,
                  {{"help", false}, {"output", true}, {"title", true}}, error))
    return usageError(error, kUsage, "report");
  if (args.has("help")) {
    std::printf("%s\n\n%s", kUsage, kHelp);
    return 0;
  }
  if (args.positional.size() != 1)
    return usageError(args.positional.empty()
                          ? "no log directory given"
                          : "unexpected argument '" + args.positional[1] + "'",
                      kUsage, "report");
  const std::string logdir = args.positional[0];
  const std::string output = args.get("output", "report.html");
  // Checked first: the page replaces a regular file only (a symbolic
  // link's target, the link kept).
  char target[4096] = "";
  if (dlc_output_file_target(output.c_str(), target, sizeof target) != DLC_OK)
    return failWithLastError();
  std::error_code ec;
  if (!fs::is_directory(logdir, ec))
    return fail(logdir + ": not a directory");

  // Runs: the directories holding event files, in name order.
  std::map<std::string, Run> byDir;
  for (auto it = fs::recursive_directory_iterator(
           logdir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path &p = it->path();
    if (!it->is_regular_file(ec) ||
        p.filename().string().find("tfevents") == std::string::npos)
      continue;
    fs::path rel = p.parent_path().lexically_relative(logdir);
    std::string name = rel.empty() || rel == "." ? fs::path(logdir).lexically_normal().filename().string()
                                                 : rel.generic_string();
    if (name.empty())
      name = ".";
    Run &run = byDir[p.parent_path().string()];
    run.name = name;
    run.files.push_back(p.string());
  }
  if (ec)
    return fail(logdir + ": cannot list: " + ec.message());
  if (byDir.empty())
    return fail(logdir + ": no TensorBoard event files (events.out.tfevents.*) "
                         "in it or below it");
  std::vector<Run> runs;
  std::vector<std::string> warnings;
  for (auto &[dir, run] : byDir) {
    std::sort(run.files.begin(), run.files.end());
    ReadState state{&run, &warnings};
    for (const std::string &file : run.files) {
      dlc_status s = dlc_event_file_read(file.c_str(), onEvent, onProblem,
                                         &state);
      if (s != DLC_OK && s != DLC_ERR_FORMAT) // FORMAT: onProblem saw it
        warnings.push_back(dlc_last_error());
    }
    for (const auto &[tag, points] : run.scalars)
      for (const Point &p : points)
        run.lastStep = std::max(run.lastStep, p.step);
    runs.push_back(std::move(run));
  }
  std::sort(runs.begin(), runs.end(),
            [](const Run &a, const Run &b) { return a.name < b.name; });
  for (const std::string &w : warnings) {
    std::fflush(stdout);
    std::fprintf(stderr, "dlc: warning: %s\n", w.c_str());
  }

  const std::string title = args.get("title", "dlc runs: " + logdir);
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       << "<title>" << escape(title) << "</title>\n<style>" << kStyle
       << "</style>\n</head>\n<body>\n<h1>" << escape(title) << "</h1>\n";
  html << "<div class=\"legend\">";
  for (size_t r = 0; r < runs.size(); ++r)
    html << "<span class=\"run\"><span class=\"swatch\" style=\"background:"
         << colorOf(r) << "\"></span>" << escape(runs[r].name) << "</span>";
  html << " &nbsp; <span>solid: training (moving average) &middot; dashed "
          "with dots: validation</span></div>\n";
  html << "<div class=\"charts\">\n"
       << renderChart({"loss", "Loss", "Loss", "/Loss/raw", "Loss/Validation"},
                      runs)
       << renderChart({"accuracy", "Accuracy", "Accuracy", "Accuracy/__raw_",
                       "Accuracy/Validation"},
                      runs)
       << "</div>\n";
  html << renderTable(runs);
  if (!warnings.empty()) {
    html << "<div class=\"warnings\"><p>Skipped records and unreadable files:</p><ul>\n";
    for (const std::string &w : warnings)
      html << "<li>" << escape(w) << "</li>\n";
    html << "</ul></div>\n";
  }
  html << "</body>\n</html>\n";

  const std::string tmp =
      std::string(target) + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    out << html.str();
    out.close();
    if (!out) {
      std::remove(tmp.c_str());
      return fail(output + ": cannot write");
    }
  }
  if (std::rename(tmp.c_str(), target) != 0) {
    std::remove(tmp.c_str());
    return fail(output + ": cannot write");
  }
  std::printf("Report written: %s (%zu run%s)\n", output.c_str(), runs.size(),
              runs.size() == 1 ? "" : "s");
  return 0;
}
