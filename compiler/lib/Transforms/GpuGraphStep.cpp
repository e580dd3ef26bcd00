//===- GpuGraphStep.cpp - dlc-gpu-graph-step, dlc-gpu-device-scalars ------===//
//
// A training step the runtime can capture in a CUDA graph (docs/cuda.md).
// A graph replays the kernels and the cuDNN/cuBLAS work of one step with the
// arguments they were captured with, so nothing that changes between steps
// may reach them through the host: the step number comes from device memory,
// the loss goes to device memory, and no host code reads what the device
// computed in the middle of the step (the clipping norm) or writes device
// memory (the start of a reduction).
//
// dlc-gpu-graph-step adds the entry point `M_train_step_graph`, whose step
// and loss are buffers; dlc-gpu-device-scalars moves the scalar work of
// every function onto the device, which also spares the plain entry points
// their waits in the middle of a step, and checks that the graph step has
// no host memory access left.
//
//===----------------------------------------------------------------------===//

#include "MemRefOverPointer.h"
#include "dlc/DerivedUses.h"
#include "dlc/Dialect/Net/NetOps.h"
#include "dlc/Transforms/Passes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

namespace dlc {
#define GEN_PASS_DEF_DLCGPUGRAPHSTEP
#define GEN_PASS_DEF_DLCGPUDEVICESCALARS
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

//===----------------------------------------------------------------------===//
// dlc-gpu-graph-step
//===----------------------------------------------------------------------===//

/// When `value` is loaded from an allocation of `block` (memory nothing
/// else reaches), moves the load up to just after the last op of `block`
/// that uses the allocation or a value derived from it (a view, a pointer
/// a call takes): the value is the same there. Left in place when the
/// buffer escapes (stored, returned).
void hoistLoadOfAllocation(Value value, Block &block) {
  auto load = value.getDefiningOp<memref::LoadOp>();
  if (!load || load->getBlock() != &block || !load.getIndices().empty())
    return; // a 0-d buffer's load has no operand defined later
  auto alloc = load.getMemRef().getDefiningOp<memref::AllocOp>();
  if (!alloc || alloc->getBlock() != &block)
    return;
  Operation *last = alloc;
  bool known = dlc::walkDerivedUses(alloc, [&](OpOperand &use, Value) {
    Operation *user = use.getOwner();
    if (user == load || isa<memref::DeallocOp>(user))
      return dlc::UseWalk::DontFollow;
    Operation *top = block.findAncestorOpInBlock(*user);
    if (!top)
      return dlc::UseWalk::Stop;
    if (!top->isBeforeInBlock(load))
      return dlc::UseWalk::DontFollow; // it reads or frees the buffer later
    if (last->isBeforeInBlock(top))
      last = top;
    return dlc::UseWalk::Follow;
  });
  if (known)
    load->moveAfter(last);
}

/// Replaces each call in `fn`'s entry block of a function with a body (a
/// single block) by a copy of that body, until none is left.
LogicalResult inlineCalls(func::FuncOp fn, SymbolTable &symbols) {
  for (int round = 0;; ++round) {
    SmallVector<func::CallOp> calls;
    for (auto call : fn.getBody().front().getOps<func::CallOp>()) {
      auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
      if (callee && !callee.isExternal())
        calls.push_back(call);
    }
    if (calls.empty())
      return success();
    if (round == 64)
      return fn.emitOpError("calls functions nested too deeply to inline "
                            "(recursion?)");
    for (func::CallOp call : calls) {
      auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
      if (!callee.getBody().hasOneBlock())
        return call.emitOpError("calls ")
               << callee.getSymName()
               << ", which has more than one block and cannot be inlined";
      Block &body = callee.getBody().front();
      IRMapping map;
      map.map(callee.getArguments(), call.getOperands());
      OpBuilder b(call);
      for (Operation &op : body.without_terminator())
        b.clone(op, map);
      for (auto [result, value] :
           llvm::zip(call.getResults(), body.getTerminator()->getOperands()))
        result.replaceAllUsesWith(map.lookupOrDefault(value));
      call.erase();
    }
  }
}

/// Adds M_train_step_graph and M.train_step_graph_impl for `desc`.
LogicalResult buildGraphStep(ModuleOp module, SymbolTable &symbols,
                             dlc::net::DescriptorOp desc) {
  std::string name = desc.getSymName().str();
  auto wrapper = symbols.lookup<func::FuncOp>(name + "_train_step");
  auto impl = symbols.lookup<func::FuncOp>(name + ".train_step_impl");
  if (!wrapper || !impl)
    return success(); // no training step, nothing to capture
  MLIRContext *ctx = module.getContext();
  auto i64 = IntegerType::get(ctx, 64);
  auto f32 = Float32Type::get(ctx);
  auto ptrType = LLVM::LLVMPointerType::get(ctx);

  // M_train_step(params, state, x, y, batch, step, y_pred, ws) calls the
  // impl once, passing `step` straight through.
  func::CallOp call;
  wrapper.walk([&](func::CallOp c) {
    if (c.getCallee() == impl.getSymName())
      call = c;
  });
  std::optional<unsigned> stepIndex;
  if (call && wrapper.getNumArguments() == 8 &&
      wrapper.getArgument(5).getType() == i64)
    for (OpOperand &operand : call->getOpOperands())
      if (operand.get() == wrapper.getArgument(5))
        stepIndex = operand.getOperandNumber();
  if (!stepIndex || impl.getNumResults() != 1 ||
      impl.getResultTypes()[0] != f32 || impl.getBody().empty() ||
      !impl.getBody().hasOneBlock())
    return wrapper.emitOpError("is not a training step the CUDA graph step "
                               "can be built from (expected 8 arguments, "
                               "the step passed to ")
           << impl.getSymName() << ", a single-block impl returning f32)";

  // M.train_step_graph_impl: step and loss in buffers, callees inlined.
  auto stepType = MemRefType::get({}, i64);
  auto lossType = MemRefType::get({}, f32);
  auto graphImpl = impl.clone();
  graphImpl.setSymName(name + ".train_step_graph_impl");
  symbols.insert(graphImpl, std::next(Block::iterator(impl)));
  Location loc = impl.getLoc();
  graphImpl.insertArgument(*stepIndex, stepType, {}, loc);
  graphImpl.insertArgument(graphImpl.getNumArguments(), lossType, {}, loc);
  Block &entry = graphImpl.getBody().front();
  OpBuilder b = OpBuilder::atBlockBegin(&entry);
  Value step = b.create<memref::LoadOp>(loc, graphImpl.getArgument(*stepIndex),
                                        ValueRange{});
  graphImpl.getArgument(*stepIndex + 1).replaceAllUsesWith(step);
  graphImpl.eraseArgument(*stepIndex + 1);
  // The runtime writes the step before it launches the graph, never during.
  graphImpl.setArgAttr(*stepIndex, dlc::kReadOnlyAttr, b.getUnitAttr());
  if (failed(inlineCalls(graphImpl, symbols)))
    return failure();
  // The loss is stored where it is computed: the buffer it was read from
  // may be reused by the rest of the step.
  auto ret = cast<func::ReturnOp>(entry.getTerminator());
  Value loss = ret.getOperand(0);
  Value lossBuffer = graphImpl.getArguments().back();
  hoistLoadOfAllocation(loss, entry);
  if (Operation *def = loss.getDefiningOp())
    b.setInsertionPointAfter(def);
  else
    b.setInsertionPointAfterValue(step);
  b.create<memref::StoreOp>(ret.getLoc(), loss, lossBuffer, ValueRange{});
  b.setInsertionPoint(ret);
  b.create<func::ReturnOp>(ret.getLoc());
  ret.erase();
  graphImpl.setFunctionType(
      FunctionType::get(ctx, graphImpl.getArgumentTypes(), {}));

  // M_train_step_graph(params, state, x, y, batch, step*, y_pred, ws,
  // loss*): the workspace keeps its place, so the wrapper's dlc.workspace
  // mark holds as it is.
  auto graphWrapper = wrapper.clone();
  graphWrapper.setSymName(name + "_train_step_graph");
  symbols.insert(graphWrapper, std::next(Block::iterator(wrapper)));
  graphWrapper.insertArgument(5, ptrType, {}, loc);
  graphWrapper.insertArgument(graphWrapper.getNumArguments(), ptrType, {},
                              loc);
  func::CallOp graphCall;
  graphWrapper.walk([&](func::CallOp c) {
    if (c.getCallee() == impl.getSymName())
      graphCall = c;
  });
  b.setInsertionPoint(graphCall);
  auto noDynamicSizes = [](int64_t) -> Value {
    llvm_unreachable("rank-0 buffers have no dynamic size");
  };
  SmallVector<Value> operands(graphCall.getOperands());
  operands[*stepIndex] = dlc::memrefOverPointer(
      b, loc, graphWrapper.getArgument(5), stepType, noDynamicSizes);
  operands.push_back(dlc::memrefOverPointer(
      b, loc, graphWrapper.getArguments().back(), lossType, noDynamicSizes));
  b.create<func::CallOp>(graphCall.getLoc(), graphImpl, operands);
  graphWrapper.walk([&](func::ReturnOp r) {
    OpBuilder rb(r);
    rb.create<func::ReturnOp>(r.getLoc());
    r.erase();
  });
  graphCall.erase();
  graphWrapper.eraseArgument(6); // the old step
  graphWrapper.setFunctionType(
      FunctionType::get(ctx, graphWrapper.getArgumentTypes(), {}));
  graphImpl->setAttr(dlc::kGraphStepAttr,
                     FlatSymbolRefAttr::get(graphWrapper.getSymNameAttr()));
  return success();
}

struct DlcGpuGraphStepPass
    : public dlc::impl::DlcGpuGraphStepBase<DlcGpuGraphStepPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    for (auto desc : llvm::to_vector(module.getOps<dlc::net::DescriptorOp>()))
      if (failed(buildGraphStep(module, symbols, desc)))
        return signalPassFailure();
  }
};

//===----------------------------------------------------------------------===//
// dlc-gpu-device-scalars
//===----------------------------------------------------------------------===//

bool isScalar(Type t) { return t.isIntOrIndexOrFloat(); }

/// A scalar op without memory effects: a kernel computes it as well as the
/// host (it dominates the launch, so the host computed it every time).
bool isScalarOp(Operation *op) {
  return op->getNumRegions() == 0 && op->getNumResults() > 0 &&
         isMemoryEffectFree(op) &&
         llvm::all_of(op->getOperandTypes(), isScalar) &&
         llvm::all_of(op->getResultTypes(), isScalar);
}

/// May `op` write or free memory?
bool mayWrite(Operation *op) {
  if (isMemoryEffectFree(op))
    return false;
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  if (!effects || op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
    return true;
  return effects.hasEffect<MemoryEffects::Write>() ||
         effects.hasEffect<MemoryEffects::Free>();
}

/// An argument marked dlc.read_only (its memory is written by nothing
/// during the call, the caller promises) that the function only loads from.
bool isReadOnlyArgument(Value memref) {
  auto arg = dyn_cast<BlockArgument>(memref);
  auto fn = arg ? dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp())
                : func::FuncOp();
  return fn && arg.getOwner()->isEntryBlock() &&
         fn.getArgAttr(arg.getArgNumber(), dlc::kReadOnlyAttr) &&
         llvm::all_of(arg.getUsers(),
                      [](Operation *user) { return isa<memref::LoadOp>(user); });
}

/// Copies into `launch` the scalar computations it uses from the host.
class Sinker {
public:
  explicit Sinker(gpu::LaunchOp launch)
      : launch(launch), b(OpBuilder::atBlockBegin(&launch.getBody().front())) {}

  void run() {
    llvm::SetVector<Value> used;
    getUsedValuesDefinedAbove(launch.getBody(), used);
    for (Value v : used)
      if (Value inside = get(v); inside != v)
        replaceAllUsesInRegionWith(v, inside, launch.getBody());
  }

private:
  /// `v` as the kernel computes it: a copy, or `v` itself (a kernel
  /// argument).
  Value get(Value v) {
    if (Value mapped = map.lookupOrNull(v))
      return mapped;
    Operation *def = v.getDefiningOp();
    if (!def || !canSink(def))
      return v;
    for (Value operand : def->getOperands())
      get(operand);
    b.clone(*def, map);
    return map.lookup(v);
  }

  bool canSink(Operation *def) {
    if (isScalarOp(def))
      return true;
    auto load = dyn_cast<memref::LoadOp>(def);
    if (!load || !isScalar(load.getType()) ||
        !llvm::all_of(load.getIndices(), [](Value i) {
          return i.getDefiningOp() && isScalarOp(i.getDefiningOp());
        }))
      return false;
    // The kernel's threads must not write what they read: not the buffer,
    // nor other bytes of the workspace (a buffer planned after the load may
    // share its bytes).
    if (!launchKeepsIntact(load.getMemRef()))
      return false;
    if (isReadOnlyArgument(load.getMemRef()))
      return true;
    // The kernel reads the value later than the host did: nothing in
    // between may write memory.
    if (load->getBlock() != launch->getBlock() ||
        !load->isBeforeInBlock(launch))
      return false;
    for (Operation *op = load->getNextNode(); op != launch;
         op = op->getNextNode())
      if (mayWrite(op))
        return false;
    return true;
  }

  /// Whether no thread of the launch writes memory that `memref` may
  /// share before another thread reads it. A launch of one thread runs its
  /// copy of the load first. Otherwise the buffers the launch writes must
  /// be disjoint from `memref`: the function's arguments are the caller's
  /// separate buffers (the training step's gradients come first in the
  /// workspace, its own buffers after them), while dlc-plan-workspace
  /// places every other buffer in the workspace, where bytes are shared.
  /// So a write conflicts when it goes to (a view of) the argument `memref`
  /// views, or when neither is an argument.
  bool launchKeepsIntact(Value memref) {
    auto isOne = [](Value v) {
      std::optional<int64_t> c = getConstantIntValue(v);
      return c && *c == 1;
    };
    if (isOne(launch.getGridSizeX()) && isOne(launch.getGridSizeY()) &&
        isOne(launch.getGridSizeZ()) && isOne(launch.getBlockSizeX()) &&
        isOne(launch.getBlockSizeY()) && isOne(launch.getBlockSizeZ()))
      return true;
    BlockArgument read = rootArgument(memref);
    WalkResult r = launch.getBody().walk([&](Operation *op) {
      if (isMemoryEffectFree(op) || isa<memref::LoadOp>(op) ||
          op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
        return WalkResult::advance();
      auto store = dyn_cast<memref::StoreOp>(op);
      if (!store || rootArgument(store.getMemRef()) == read)
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    return !r.wasInterrupted();
  }

  /// The function argument `memref` is a view of, if any.
  static BlockArgument rootArgument(Value memref) {
    while (Operation *def = memref.getDefiningOp()) {
      auto view = dyn_cast<ViewLikeOpInterface>(def);
      if (!view)
        return BlockArgument();
      memref = view.getViewSource();
    }
    auto arg = dyn_cast<BlockArgument>(memref);
    return arg && isa<func::FuncOp>(arg.getOwner()->getParentOp())
               ? arg
               : BlockArgument();
  }

  gpu::LaunchOp launch;
  OpBuilder b;
  IRMapping map;
};

/// Host stores run in a kernel of one thread.
void storesOnDevice(func::FuncOp fn) {
  SmallVector<memref::StoreOp> stores;
  fn.walk([&](memref::StoreOp store) {
    if (!store->getParentOfType<gpu::LaunchOp>())
      stores.push_back(store);
  });
  for (memref::StoreOp store : stores) {
    OpBuilder b(store);
    Location loc = store.getLoc();
    Value one = b.create<arith::ConstantIndexOp>(loc, 1);
    auto launch = b.create<gpu::LaunchOp>(loc, one, one, one, one, one, one);
    b.setInsertionPointToEnd(&launch.getBody().front());
    auto end = b.create<gpu::TerminatorOp>(loc);
    store->moveBefore(end);
  }
}

/// Host ops left without uses (the loads and scalars kernels now compute).
void eraseDeadHostOps(func::FuncOp fn) {
  for (bool changed = true; changed;) {
    changed = false;
    SmallVector<Operation *> dead;
    fn.walk([&](Operation *op) {
      if (op != fn.getOperation() && !op->getParentOfType<gpu::LaunchOp>() &&
          !isa<gpu::LaunchOp>(op) && isOpTriviallyDead(op))
        dead.push_back(op);
    });
    for (Operation *op : llvm::reverse(dead))
      if (isOpTriviallyDead(op)) {
        op->erase();
        changed = true;
      }
  }
}

/// The first host op in `region` that a CUDA graph cannot capture: one
/// that touches memory, or a call of anything but a dlc_cu_* kernel.
Operation *firstUncapturable(Region &region) {
  for (Block &block : region)
    for (Operation &op : block) {
      if (isa<gpu::LaunchOp, func::ReturnOp>(op))
        continue;
      if (auto call = dyn_cast<func::CallOp>(op)) {
        if (call.getCallee().starts_with("dlc_cu_"))
          continue;
        return &op;
      }
      if (op.getNumRegions() &&
          op.hasTrait<OpTrait::HasRecursiveMemoryEffects>()) {
        for (Region &nested : op.getRegions())
          if (Operation *bad = firstUncapturable(nested))
            return bad;
        continue;
      }
      if (!isMemoryEffectFree(&op))
        return &op;
    }
  return nullptr;
}

struct DlcGpuDeviceScalarsPass
    : public dlc::impl::DlcGpuDeviceScalarsBase<DlcGpuDeviceScalarsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<Operation *> drop;
    for (auto fn : module.getOps<func::FuncOp>()) {
      if (fn.isExternal())
        continue;
      storesOnDevice(fn);
      SmallVector<gpu::LaunchOp> launches;
      fn.walk([&](gpu::LaunchOp launch) { launches.push_back(launch); });
      for (gpu::LaunchOp launch : launches)
        Sinker(launch).run();
      eraseDeadHostOps(fn);

      auto entry = fn->getAttrOfType<FlatSymbolRefAttr>(dlc::kGraphStepAttr);
      if (!entry)
        continue;
      fn->removeAttr(dlc::kGraphStepAttr);
      if (Operation *bad = firstUncapturable(fn.getBody())) {
        bad->emitWarning("the training step cannot be captured in a CUDA "
                         "graph: host code runs '")
            << bad->getName() << "' in the middle of it; "
            << entry.getValue() << " is left out";
        drop.push_back(fn);
        if (Operation *wrapper = module.lookupSymbol(entry))
          drop.push_back(wrapper);
      }
    }
    for (Operation *op : drop)
      op->erase();
  }
};

} // namespace
