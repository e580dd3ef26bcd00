//===- GpuFuseFills.cpp - dlc-gpu-fuse-fills ------------------------------===//
//
// A reduction on the GPU is two kernels after dlc-split-reductions and
// dlc-gpu-map-loops: one fills the partial buffer with the neutral
// element, the next has each thread load its element, accumulate in a
// register and store it back:
//
//   gpu.launch ... { %i = f(ids); if (g(ids)) { m[%i] = 0.0 } }
//   gpu.launch ... { %i = f(ids); if (g(ids)) { %a = m[%i]; ...; m[%i] = %s } }
//
// When both launches have the same grid and blocks and each thread of the
// second loads and then stores the element the same thread of the first
// filled (the same index computation from the ids, under the same
// guards), the second starts from the fill value and the first is gone:
// every element the fill wrote is written again by the second kernel, and
// none is read in between. Kernels that touch other memory may run in
// between (the other stages of a split reduction often do, between the
// fill of the final result and the last stage); buffers of the workspace
// that are live at once never overlap, and slices of one argument are
// told apart by the elements they cover.
//
//===----------------------------------------------------------------------===//

#include "dlc/StaticExtent.h"
#include "dlc/Transforms/Passes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace dlc {
#define GEN_PASS_DEF_DLCGPUFUSEFILLS
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

/// The six launch sizes of `op`: grid x, y, z, then block x, y, z.
SmallVector<Value> launchSizes(gpu::LaunchOp op) {
  return {op.getGridSizeX(),  op.getGridSizeY(),  op.getGridSizeZ(),
          op.getBlockSizeX(), op.getBlockSizeY(), op.getBlockSizeZ()};
}

/// Whether two launch sizes are equal: the same value, equal constants, or
/// the same pure ops of equal operands (ceil(N / 256) computed twice from
/// the same memref.dim).
bool sameSize(Value a, Value b, int depth = 0) {
  if (a == b)
    return true;
  std::optional<int64_t> x = getConstantIntValue(a), y = getConstantIntValue(b);
  if (x || y)
    return x && y && *x == *y;
  Operation *opA = a.getDefiningOp(), *opB = b.getDefiningOp();
  if (!opA || !opB || depth > 8 || opA->getNumRegions() ||
      opB->getNumRegions() || !isPure(opA) ||
      cast<OpResult>(a).getResultNumber() != cast<OpResult>(b).getResultNumber())
    return false;
  return OperationEquivalence::isEquivalentTo(
      opA, opB,
      [&](Value u, Value v) { return success(sameSize(u, v, depth + 1)); },
      /*markEquivalent=*/nullptr, OperationEquivalence::IgnoreLocations);
}

/// Whether `a`, computed in launch `la`, and `b`, computed in launch `lb`,
/// are the same function of the launch's ids (and of values defined above
/// both launches): the same region-free ops applied to equivalent operands.
bool equivalent(Value a, Value b, gpu::LaunchOp la, gpu::LaunchOp lb) {
  if (a == b)
    return !la.getBody().isAncestor(a.getParentRegion()) &&
           !lb.getBody().isAncestor(a.getParentRegion());
  auto argA = dyn_cast<BlockArgument>(a), argB = dyn_cast<BlockArgument>(b);
  if (argA || argB)
    return argA && argB && argA.getOwner() == &la.getBody().front() &&
           argB.getOwner() == &lb.getBody().front() &&
           argA.getArgNumber() == argB.getArgNumber();
  Operation *opA = a.getDefiningOp(), *opB = b.getDefiningOp();
  if (!la->isProperAncestor(opA) || !lb->isProperAncestor(opB) ||
      opA->getNumRegions() || opB->getNumRegions() || !isPure(opA) ||
      cast<OpResult>(a).getResultNumber() != cast<OpResult>(b).getResultNumber())
    return false;
  return OperationEquivalence::isEquivalentTo(
      opA, opB,
      [&](Value x, Value y) { return success(equivalent(x, y, la, lb)); },
      /*markEquivalent=*/nullptr, OperationEquivalence::IgnoreLocations);
}

/// The scf.if ops (and which region) between `op` and `launch`, innermost
/// first; failure when something else (a loop) is in between.
FailureOr<SmallVector<std::pair<scf::IfOp, bool>>> guards(Operation *op,
                                                          gpu::LaunchOp launch) {
  SmallVector<std::pair<scf::IfOp, bool>> chain;
  for (Operation *child = op; child->getParentOp() != launch;
       child = child->getParentOp()) {
    auto ifOp = dyn_cast<scf::IfOp>(child->getParentOp());
    if (!ifOp)
      return failure();
    chain.push_back({ifOp, child->getParentRegion() == &ifOp.getThenRegion()});
  }
  return chain;
}

/// The store of a fill: the only op with memory effects in `launch` (one
/// block, guards of scf.if only), storing a constant or a value defined
/// above the launch.
memref::StoreOp fillStore(gpu::LaunchOp launch) {
  if (!launch.getBody().hasOneBlock() || launch.getAsyncToken() ||
      !launch.getAsyncDependencies().empty() ||
      launch.getDynamicSharedMemorySize())
    return nullptr;
  memref::StoreOp store;
  bool other = false;
  launch.getBody().walk([&](Operation *op) {
    if (auto s = dyn_cast<memref::StoreOp>(op)) {
      other |= bool(store);
      store = s;
    } else if (!isa<gpu::TerminatorOp, scf::IfOp, scf::YieldOp>(op) &&
               !isMemoryEffectFree(op)) {
      other = true;
    }
  });
  if (other || !store || failed(guards(store, launch)))
    return nullptr;
  Value v = store.getValueToStore();
  if (launch.getBody().isAncestor(v.getParentRegion()))
    return matchPattern(v, m_Constant()) ? store : nullptr;
  return store;
}

bool isViewOp(Operation *op) {
  return isa<memref::ReinterpretCastOp, memref::SubViewOp, memref::CastOp,
             memref::ExpandShapeOp, memref::CollapseShapeOp,
             memref::ReshapeOp>(op);
}

/// The value a chain of views of `v` starts from.
Value rootOf(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isViewOp(def))
      break;
    v = def->getOperand(0);
  }
  return v;
}

/// The values outside kernels through which ops may touch the memory of
/// `m`: everything computed from the buffer `m` is a view of (views,
/// pointers, what a region yields; not sizes), except views whose static
/// extent is disjoint from `m`'s (the other gradients' slices of one
/// argument). Extents are measured from the buffer's base, so a view made
/// from a disjoint view is looked at again. Buffers of the workspace that
/// are live at the same time never overlap (dlc-plan-workspace).
SmallVector<Value> mayAlias(Value m) {
  Value root = rootOf(m);
  auto extent = dlc::staticExtent(m);
  SmallVector<Value> aliases, work{root};
  llvm::SmallPtrSet<Value, 16> seen{root};
  while (!work.empty()) {
    Value v = work.pop_back_val();
    Operation *def = v.getDefiningOp();
    auto other = def && isViewOp(def) ? dlc::staticExtent(v) : std::nullopt;
    if (!(extent && other && dlc::disjoint(*other, *extent)))
      aliases.push_back(v);
    for (Operation *user : v.getUsers()) {
      if (isa<memref::DimOp>(user) || user->getParentOfType<gpu::LaunchOp>())
        continue;
      ValueRange results = user->getResults();
      if (user->hasTrait<OpTrait::IsTerminator>())
        results = user->getParentOp()->getResults();
      for (Value r : results)
        if (seen.insert(r).second)
          work.push_back(r);
    }
  }
  return aliases;
}

/// Fuses the fill `a` into `b` when `b` loads each filled element first;
/// true when it did.
bool fuse(RewriterBase &rewriter, gpu::LaunchOp a, gpu::LaunchOp b) {
  memref::StoreOp fill = fillStore(a);
  if (!fill || b.getAsyncToken() || !b.getAsyncDependencies().empty())
    return false;
  for (auto [x, y] : llvm::zip(launchSizes(a), launchSizes(b)))
    if (!sameSize(x, y))
      return false;
  Value m = fill.getMemRef();
  if (a.getBody().isAncestor(m.getParentRegion()))
    return false;
  // In b, the buffer is loaded once and stored after, in the same block,
  // and nothing else touches its memory (through another view either).
  SmallVector<Value> aliases = mayAlias(m);
  memref::LoadOp load;
  memref::StoreOp store;
  bool other = false;
  b.getBody().walk([&](Operation *op) {
    if (auto l = dyn_cast<memref::LoadOp>(op); l && l.getMemRef() == m) {
      other |= bool(load);
      load = l;
    } else if (auto s = dyn_cast<memref::StoreOp>(op);
               s && s.getMemRef() == m) {
      other |= bool(store);
      store = s;
    } else if (llvm::any_of(op->getOperands(), [&](Value v) {
                 return llvm::is_contained(aliases, v);
               })) {
      other = true; // a view, a call, a copy, another view's access
    }
  });
  if (other || !load || !store || store->getBlock() != load->getBlock() ||
      !load->isBeforeInBlock(store))
    return false;
  // The same elements, under the same guards.
  for (auto [x, y] : llvm::zip_equal(fill.getIndices(), load.getIndices()))
    if (!equivalent(x, y, a, b))
      return false;
  for (auto [x, y] : llvm::zip_equal(load.getIndices(), store.getIndices()))
    if (x != y)
      return false;
  auto ga = guards(fill, a), gb = guards(load, b);
  if (failed(ga) || failed(gb) || ga->size() != gb->size())
    return false;
  for (auto [x, y] : llvm::zip(*ga, *gb))
    if (x.second != y.second ||
        !equivalent(x.first.getCondition(), y.first.getCondition(), a, b))
      return false;

  // b starts from the fill value.
  Value v = fill.getValueToStore();
  rewriter.setInsertionPoint(load);
  if (a.getBody().isAncestor(v.getParentRegion())) // a constant
    v = rewriter.clone(*v.getDefiningOp())->getResult(0);
  rewriter.replaceOp(load, v);
  rewriter.eraseOp(a);
  return true;
}

/// The launch after the fill `a` that may take it: the next launch that
/// touches the filled buffer, with only launches that do not, and ops
/// without memory effects, in between. Null when there is none.
gpu::LaunchOp nextUser(gpu::LaunchOp a) {
  memref::StoreOp fill = fillStore(a);
  if (!fill)
    return nullptr;
  SmallVector<Value> aliases = mayAlias(fill.getMemRef());
  auto touches = [&](Operation *op) {
    bool found = false;
    op->walk([&](Operation *inner) {
      for (Value v : inner->getOperands())
        found |= llvm::is_contained(aliases, v);
    });
    return found;
  };
  for (Operation *next = a->getNextNode(); next; next = next->getNextNode()) {
    if (auto launch = dyn_cast<gpu::LaunchOp>(next)) {
      if (touches(launch))
        return launch;
      continue;
    }
    if (!isMemoryEffectFree(next) || next->getNumRegions() != 0)
      return nullptr; // a call, a copy, a host access: stop there
  }
  return nullptr;
}

struct DlcGpuFuseFillsPass
    : public dlc::impl::DlcGpuFuseFillsBase<DlcGpuFuseFillsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<gpu::LaunchOp> launches;
    getOperation()->walk([&](gpu::LaunchOp op) { launches.push_back(op); });
    for (gpu::LaunchOp a : launches)
      if (gpu::LaunchOp b = nextUser(a))
        fuse(rewriter, a, b);
  }
};

} // namespace
