//===- BatchPipeline.cpp - Batch planning, assembly and prefetching -------===//
//
// The planner repeats the trainer's order exactly (an epoch's order is the
// shuffle of 0..n-1 by the generator state the epoch starts from; batches
// are consecutive, the last one short), so the batches it assembles ahead
// of time are the ones the training loop would have gathered itself. The
// assembly of a batch is a pure function of its plan, the data and the
// preprocessing statistics: the background thread changes when it happens,
// never what it produces.
//
//===----------------------------------------------------------------------===//

#include "BatchPipeline.h"

#include <algorithm>
#include <chrono>
#include <numeric>

using namespace dlc::rt;

namespace {
/// The augmentation key of an epoch: a hash of the shuffling generator's
/// state at its start, which checkpoints keep (no extra state to save).
uint64_t epochKey(const dlc_rng &r) {
  uint64_t k = 0x6A09E667F3BCC909ull;
  for (uint64_t word : r.s) {
    k ^= word;
    k *= 0x9E3779B97F4A7C15ull;
    k ^= k >> 29;
  }
  return k;
}
} // namespace

BatchPipeline::BatchPipeline(const dlc_trainer &t, const dlc_dataset &data,
                             const dlc_train_options &o, int64_t batchSize)
    : t(t), data(data), o(o), bs(batchSize), prefetch(o.prefetch != 0),
      augment(augmentEnabled(o.augment)), step(t.step), epoch(t.epoch),
      iter(t.iter), rng(t.rng) {
  if (augment && !imageShape(*t.model, h, w, c))
    augment = false; // refused earlier by dlc_pipeline_check
}

BatchPipeline::~BatchPipeline() {
  if (thread.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu);
      quit = true;
    }
    cv.notify_all();
    thread.join();
  }
}

dlc_status BatchPipeline::start() {
  const int64_t inW = data.inputWidth, outW = data.targetWidth;
  order.resize(data.n);
  for (int k = 0; k < 2; ++k) {
    buffers[k].resize(bs * (inW + outW));
    slots[k].x = buffers[k].data();
    slots[k].y = buffers[k].data() + bs * inW;
  }
  if (augment)
    scratch.resize(h * w * c);
  if (prefetch) {
    requested = 1;
    try {
      thread = std::thread([this] { worker(); });
    } catch (...) {
      prefetch = false; // no thread: assemble inline, same results
      requested = 0;
    }
  }
  return DLC_OK;
}

void BatchPipeline::plan(BatchPlan &p, bool &valid) {
  const int64_t n = data.n;
  if (!haveOrder) {
    if (epoch >= o.epochs) {
      valid = false;
      return;
    }
    rngAfter = rng;
    std::iota(order.begin(), order.end(), 0);
    if (o.shuffle)
      dlc_rng_shuffle(&rngAfter, order.data(), n);
    key = epochKey(rng);
    haveOrder = true;
  }
  valid = true;
  p.step = ++step;
  p.rows = std::min(bs, n - iter);
  p.key = key;
  rowsNow = order.data() + iter;
  iter += p.rows;
  p.epochEnd = iter == n;
  if (p.epochEnd) {
    ++epoch;
    iter = 0;
    rng = rngAfter;
    p.nextRng = rngAfter;
    haveOrder = false; // the next plan reshuffles, after this assembly
  }
}

void BatchPipeline::assemble(Slot &s) {
  const int64_t inW = data.inputWidth, outW = data.targetWidth;
  const int64_t b = s.plan.rows;
  for (int64_t i = 0; i < b; ++i) {
    std::memcpy(s.x + i * inW, data.x.data() + rowsNow[i] * inW, inW * 4);
    std::memcpy(s.y + i * outW, data.y.data() + rowsNow[i] * outW, outW * 4);
  }
  applyPreprocess(t, s.x, b);
  if (augment)
    augmentBatch(o.augment, s.plan.key, s.plan.step, s.x, b, h, w, c,
                 scratch.data());
}

void BatchPipeline::produce(Slot &s) {
  plan(s.plan, s.valid);
  if (s.valid)
    assemble(s);
}

void BatchPipeline::worker() {
  std::unique_lock<std::mutex> lock(mu);
  while (true) {
    cv.wait(lock, [&] { return quit || requested > produced; });
    if (quit)
      return;
    Slot &s = slots[produced % 2];
    lock.unlock();
    produce(s);
    lock.lock();
    ++produced;
    cv.notify_all();
  }
}

const BatchPipeline::Slot &BatchPipeline::next() {
  const auto start = std::chrono::steady_clock::now();
  Slot *s;
  if (!prefetch) {
    s = &slots[consumed++ % 2];
    produce(*s);
  } else {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return produced > consumed; });
    s = &slots[consumed++ % 2];
    if (s->valid) { // the worker fills the other half while this one trains
      requested = consumed + 1;
      cv.notify_all();
    }
  }
  waited += std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                          start)
                .count();
  return *s;
}
