//===- Profile.cpp - DLC_CUDA_PROFILE: device time per kernel -------------===//
//
// With DLC_CUDA_PROFILE=1 in the environment, every kernel launch and every
// dlc_cu_* call outside a graph capture is bracketed by two events on the
// stream. When the host next waits for the stream (dlc_cuda_synchronize),
// the time between each pair is added to its name's total; at exit the
// totals are printed to stderr, the longest first:
//
//   dlc CUDA profile: 1234.5 ms of device time in 6900 calls
//      ms total      %   calls  us/call  name
//         412.3   33.4     300   1374.3  dlc_cu_conv2d_bwd_filter
//   ...
//
// Graph replays are not profiled (run with DLC_CUDA_GRAPHS=0 or time
// M_train_step). The events serialize nothing the stream does not, but
// each costs the host a call: use it for where the time goes, not for
// throughput. cuDNN's algorithm choices are printed as they are made.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

using namespace dlc::cuda;

namespace {

struct Pending {
  const char *name; // a kernel name kept in gNames, or a string literal
  CUevent start, end;
};

struct Total {
  double ms = 0;
  int64_t calls = 0;
};

std::mutex gMutex;
std::vector<CUevent> gFree;
std::vector<Pending> gPending;
std::map<std::string, Total> gTotals;
std::unordered_map<CUfunction, std::string> gNames;

void printTotals() {
  std::lock_guard<std::mutex> lock(gMutex);
  if (gTotals.empty())
    return;
  std::vector<std::pair<std::string, Total>> rows(gTotals.begin(),
                                                  gTotals.end());
  std::sort(rows.begin(), rows.end(), [](const auto &a, const auto &b) {
    return a.second.ms > b.second.ms;
  });
  double ms = 0;
  int64_t calls = 0;
  for (const auto &row : rows) {
    ms += row.second.ms;
    calls += row.second.calls;
  }
  std::fprintf(stderr,
               "dlc CUDA profile: %.1f ms of device time in %lld calls\n"
               "   ms total      %%    calls  us/call  name\n",
               ms, (long long)calls);
  for (const auto &[name, t] : rows)
    std::fprintf(stderr, "%10.1f %6.1f %8lld %8.1f  %s\n", t.ms,
                 ms > 0 ? 100 * t.ms / ms : 0.0, (long long)t.calls,
                 t.calls ? 1e3 * t.ms / t.calls : 0.0, name.c_str());
}

/// An event from the free list, or a new one; null after an error.
CUevent takeEvent() {
  if (!gFree.empty()) {
    CUevent e = gFree.back();
    gFree.pop_back();
    return e;
  }
  CUevent e = nullptr;
  if (!check(drv.cuEventCreate(&e, CU_EVENT_DEFAULT), "cuEventCreate"))
    return nullptr;
  return e;
}

} // namespace

bool dlc::cuda::profiling() {
  static const bool on = [] {
    const char *v = std::getenv("DLC_CUDA_PROFILE");
    if (!v || !*v || std::strcmp(v, "0") == 0)
      return false;
    std::atexit(printTotals);
    return true;
  }();
  return on;
}

void dlc::cuda::nameFunction(CUfunction function, const char *name) {
  if (!profiling() || !function || !name)
    return;
  std::lock_guard<std::mutex> lock(gMutex);
  gNames[function] = name;
}

const char *dlc::cuda::functionName(CUfunction function) {
  std::lock_guard<std::mutex> lock(gMutex);
  auto it = gNames.find(function);
  return it == gNames.end() ? "(kernel)" : it->second.c_str();
}

dlc::cuda::ProfileScope::ProfileScope(const char *name) : name(name) {
  if (!profiling() || capturing() || failed())
    return;
  std::lock_guard<std::mutex> lock(gMutex);
  start = takeEvent();
  if (start && !check(drv.cuEventRecord(start, stream()), "cuEventRecord")) {
    gFree.push_back(start);
    start = nullptr;
  }
}

dlc::cuda::ProfileScope::~ProfileScope() {
  if (!start)
    return;
  std::lock_guard<std::mutex> lock(gMutex);
  CUevent end = takeEvent();
  if (!end || !check(drv.cuEventRecord(end, stream()), "cuEventRecord")) {
    gFree.push_back(start);
    if (end)
      gFree.push_back(end);
    return;
  }
  gPending.push_back({name, start, end});
}

void dlc::cuda::profileCollect() {
  if (!profiling())
    return;
  std::lock_guard<std::mutex> lock(gMutex);
  for (const Pending &p : gPending) {
    float ms = 0;
    if (drv.cuEventElapsedTime(&ms, p.start, p.end) == CUDA_SUCCESS) {
      Total &t = gTotals[p.name];
      t.ms += ms;
      ++t.calls;
    }
    gFree.push_back(p.start);
    gFree.push_back(p.end);
  }
  gPending.clear();
}
