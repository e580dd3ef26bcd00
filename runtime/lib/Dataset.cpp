//===- Dataset.cpp - In-memory data sets and the CSV reader ---------------===//
//
// CSV rows are the input features followed by the target values. Every
// diagnostic names file:line (and :column for a bad field, 1-based bytes).
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "ParseFloat.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <memory>

using namespace dlc::rt;

namespace {

struct Field {
  const char *begin, *end; // trimmed
  size_t column;           // 1-based byte column of the field's first char
};

bool isBlank(char c) { return c == ' ' || c == '\t'; }

void splitFields(const char *line, const char *end, std::vector<Field> &out) {
  out.clear();
  const char *p = line;
  while (true) {
    const char *comma = p;
    while (comma != end && *comma != ',')
      ++comma;
    const char *b = p, *e = comma;
    while (b != e && isBlank(*b))
      ++b;
    while (e != b && isBlank(e[-1]))
      --e;
    out.push_back({b, e, size_t(b - line) + 1});
    if (comma == end)
      break;
    p = comma + 1;
  }
}

Parse parseFloat(const Field &f, float &value) {
  return parseFloat32(f.begin, f.end, value);
}

std::string plural(int64_t n, const char *word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

/// "3 columns (2 inputs + 1 target)"
std::string describeColumns(int64_t inputs, int64_t targets) {
  std::string s = plural(inputs + targets, "column") + " (" +
                  plural(inputs, "input");
  if (targets)
    s += " + " + plural(targets, "target");
  return s + ")";
}

dlc_status readFile(const char *path, std::string &text) {
  FILE *f = std::fopen(path, "rb");
  if (!f)
    return setError(DLC_ERR_IO, "%s: cannot open: %s", path,
                    std::strerror(errno));
  return readAndClose(f, path, text);
}

dlc_status parseCsv(const char *path, const std::string &text, int64_t inW,
                    int64_t tgtW, unsigned flags, dlc_dataset &ds) {
  bool targetsOptional = flags & DLC_CSV_TARGETS_OPTIONAL;
  int64_t rowTargets = -1; // decided by the first data row
  bool firstLine = true;
  std::vector<Field> fields;
  size_t lineNo = 0;
  // A UTF-8 byte order mark (spreadsheets write one) is not data. Columns
  // still count from the first character after it.
  const size_t start = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  for (size_t pos = start; pos < text.size();) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos)
      eol = text.size();
    const char *line = text.data() + pos, *end = text.data() + eol;
    pos = eol + 1;
    ++lineNo;
    if (end != line && end[-1] == '\r')
      --end;
    const char *first = line;
    while (first != end && isBlank(*first))
      ++first;
    if (first == end || *first == '#')
      continue;
    splitFields(line, end, fields);
    if (firstLine) {
      firstLine = false;
      bool anyNumber = false;
      for (const Field &f : fields) {
        float v;
        anyNumber |= parseFloat(f, v) != Parse::NotANumber;
      }
      if (!anyNumber)
        continue; // a header line
    }
    // In a data row, a NUL (a binary file) or a carriage return inside the
    // line (old Mac line ends, \r alone) would make a misleading column
    // count.
    for (const char *c = line; c != end; ++c)
      if (*c == '\0' || *c == '\r')
        return setError(DLC_ERR_FORMAT, "%s:%zu:%zu: %s", path, lineNo,
                        size_t(c - line) + 1,
                        *c == '\0'
                            ? "a NUL byte: not a text (CSV) file (UTF-16 "
                              "text? save it as UTF-8)"
                            : "a carriage return inside the line: lines "
                              "end with \\n or \\r\\n (\\r alone, the "
                              "old Mac line end, is not one)");
    int64_t found = (int64_t)fields.size();
    if (rowTargets < 0) {
      if (found == inW + tgtW)
        rowTargets = tgtW;
      else if (targetsOptional && found == inW)
        rowTargets = 0;
      else if (targetsOptional)
        return setError(DLC_ERR_FORMAT,
                        "%s:%zu: expected %s or %s, found %lld", path, lineNo,
                        describeColumns(inW, 0).c_str(),
                        describeColumns(inW, tgtW).c_str(), (long long)found);
    }
    int64_t want = inW + (rowTargets < 0 ? tgtW : rowTargets);
    if (found != want)
      return setError(DLC_ERR_FORMAT, "%s:%zu: expected %s, found %lld", path,
                      lineNo,
                      describeColumns(inW, rowTargets < 0 ? tgtW : rowTargets)
                          .c_str(),
                      (long long)found);
    for (int64_t i = 0; i < found; ++i) {
      const Field &f = fields[i];
      float v = 0;
      switch (parseFloat(f, v)) {
      case Parse::Ok:
        break;
      case Parse::NotANumber:
        if (f.begin == f.end)
          return setError(DLC_ERR_FORMAT,
                          "%s:%zu:%zu: empty field, expected a number", path,
                          lineNo, f.column);
        return setError(DLC_ERR_FORMAT, "%s:%zu:%zu: '%.*s' is not a number",
                        path, lineNo, f.column, (int)(f.end - f.begin),
                        f.begin);
      case Parse::OutOfRange:
        return setError(DLC_ERR_FORMAT,
                        "%s:%zu:%zu: '%.*s' is out of range for float32",
                        path, lineNo, f.column, (int)(f.end - f.begin),
                        f.begin);
      case Parse::NotFinite:
        return setError(DLC_ERR_FORMAT,
                        "%s:%zu:%zu: '%.*s' is not a finite number", path,
                        lineNo, f.column, (int)(f.end - f.begin), f.begin);
      }
      (i < inW ? ds.x : ds.y).push_back(v);
    }
    ++ds.n;
  }
  if (ds.n == 0)
    return setError(DLC_ERR_FORMAT,
                    "%s: empty data set: no data rows (expected rows of %s)",
                    path, describeColumns(inW, tgtW).c_str());
  ds.inputWidth = inW;
  ds.targetWidth = rowTargets;
  return DLC_OK;
}

} // namespace

dlc_status dlc_dataset_load_csv(const char *path, int64_t input_width,
                                int64_t target_width, unsigned flags,
                                dlc_dataset **out) {
  return guarded([&]() -> dlc_status {
    if (!path || !out || input_width < 1 || target_width < 0)
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_dataset_load_csv: bad argument");
    *out = nullptr;
    std::string text;
    if (dlc_status s = readFile(path, text))
      return s;
    auto ds = std::make_unique<dlc_dataset>();
    if (dlc_status s =
            parseCsv(path, text, input_width, target_width, flags, *ds))
      return s;
    *out = ds.release();
    return DLC_OK;
  });
}

dlc_status dlc_dataset_from_arrays(const float *x, const float *y, int64_t n,
                                   int64_t input_width, int64_t target_width,
                                   dlc_dataset **out) {
  return guarded([&]() -> dlc_status {
    if (out)
      *out = nullptr;
    if (!out || n < 0 || input_width < 1 || target_width < 0 ||
        (n > 0 && (!x || (target_width > 0 && !y))))
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_dataset_from_arrays: bad argument");
    auto ds = std::make_unique<dlc_dataset>();
    ds->n = n;
    ds->inputWidth = input_width;
    ds->targetWidth = target_width;
    if (n > 0) {
      ds->x.assign(x, x + n * input_width);
      if (target_width > 0)
        ds->y.assign(y, y + n * target_width);
    }
    *out = ds.release();
    return DLC_OK;
  });
}

void dlc_dataset_free(dlc_dataset *data) { delete data; }
int64_t dlc_dataset_size(const dlc_dataset *d) { return d ? d->n : 0; }
int64_t dlc_dataset_input_width(const dlc_dataset *d) {
  return d ? d->inputWidth : 0;
}
int64_t dlc_dataset_target_width(const dlc_dataset *d) {
  return d ? d->targetWidth : 0;
}
const float *dlc_dataset_x(const dlc_dataset *d) {
  return d ? d->x.data() : nullptr;
}
const float *dlc_dataset_y(const dlc_dataset *d) {
  return d ? d->y.data() : nullptr;
}
