//===- ParseFloat.h - One float32 value of a data file or --input --------===//
//
// Shared by the CSV reader and `dlc predict --input`: the same text reads as
// the same number, and fails for the same reason, in both.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_RUNTIME_PARSEFLOAT_H
#define DLC_RUNTIME_PARSEFLOAT_H

#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <locale.h>
#include <string>

namespace dlc::rt {

enum class Parse { Ok, NotANumber, OutOfRange, NotFinite };

/// strtod in the C locale, whatever the process's locale: a host
/// application's LC_NUMERIC with a decimal comma would read "1.5e-400" as 1.
inline double strtodC(const char *text) {
  static const locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
  return c ? strtod_l(text, nullptr, c) : std::strtod(text, nullptr);
}

/// [b, e) (no surrounding blanks) as a float32: an optional '+' (not "+-"),
/// then what std::from_chars reads. Underflow is not an error: 1e-50 and
/// 1e-400 read as 0 (1e-40 as a subnormal); magnitudes beyond float32's
/// are OutOfRange, NaN and infinities NotFinite (training would only spread
/// them).
inline Parse parseFloat32(const char *b, const char *e, float &value) {
  if (b != e && *b == '+') { // from_chars rejects an explicit plus
    ++b;
    if (b != e && *b == '-') // "+-1"
      return Parse::NotANumber;
  }
  if (b == e)
    return Parse::NotANumber;
  auto [ptr, ec] = std::from_chars(b, e, value);
  if (ptr != e)
    return Parse::NotANumber;
  if (ec == std::errc::result_out_of_range) {
    // from_chars has checked the syntax; strtod rounds what it cannot
    // represent.
    const double wide = strtodC(std::string(b, e).c_str());
    if (!(std::fabs(wide) <= FLT_MAX))
      return Parse::OutOfRange;
    value = (float)wide;
    return Parse::Ok;
  }
  if (ec != std::errc())
    return Parse::NotANumber;
  return std::isfinite(value) ? Parse::Ok : Parse::NotFinite;
}

} // namespace dlc::rt

#endif // DLC_RUNTIME_PARSEFLOAT_H
