//===- PlanWorkspace.cpp - dlc-plan-workspace -----------------------------===//
//
// The buffers a model's functions need (activations, their gradients, the
// temporaries of the loss) are laid out at compile time in the workspace the
// caller passes, so a training step allocates nothing. Each function's
// buffers get offsets in two spaces: a fixed one for buffers of constant
// size and one scaled by the batch for buffers of `c * batch` bytes. Two
// buffers share bytes only when their live ranges (in the function's
// top-level op order) are disjoint. A call gives its callee a block of both
// spaces, live at the call only, so the callee's buffers are stacked there.
//
// The spaces are passed as `!llvm.ptr` and each buffer is a memref built
// over `space + offset` with LLVM dialect ops (as the C entry points build
// theirs). memref.view would express the same, but MLIR 19's
// expand-strided-metadata folds `extract_aligned_pointer_as_index` of a
// view to that of its source, dropping the byte shift.
//
//===----------------------------------------------------------------------===//

#include "MemRefOverPointer.h"
#include "dlc/DerivedUses.h"
#include "dlc/Dialect/Net/NetOps.h"
#include "dlc/Transforms/Passes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/MathExtras.h"

namespace dlc {
#define GEN_PASS_DEF_DLCPLANWORKSPACE
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;

namespace {

/// A size in bytes: `bytes`, or `bytes * batch` when `perExample`.
struct Size {
  int64_t bytes = 0;
  bool perExample = false;
};

/// What a function needs of the workspace, its callees included.
struct Need {
  int64_t fixed = 0, perExample = 0;
  bool empty() const { return fixed == 0 && perExample == 0; }
};

/// A block of a function's workspace, used by `op` (a memref.alloc it
/// replaces or a call it passes the block to) over the top-level ops
/// [start, end].
struct Slot {
  Operation *op;
  int64_t start, end;
  int64_t fixed, perExample; // bytes, multiples of kWorkspaceAlign
  int64_t fixedOffset = 0, perExampleOffset = 0;
};

constexpr int64_t kMaxBytes = int64_t(1) << 44;

/// Is `v` an argument of its function's entry block?
bool isFunctionArgument(Value v) {
  auto arg = dyn_cast<BlockArgument>(v);
  return arg && arg.getOwner()->isEntryBlock() &&
         isa<func::FuncOp>(arg.getOwner()->getParentOp());
}

std::optional<Size> evalIndex(Value v, int depth = 0);

/// The product of two sizes, when it is a constant or a constant times the
/// batch.
std::optional<Size> multiply(std::optional<Size> a, std::optional<Size> b) {
  if (!a || !b || (a->perExample && b->perExample) || a->bytes < 0 ||
      b->bytes < 0 || (a->bytes && b->bytes > kMaxBytes / a->bytes))
    return std::nullopt;
  return Size{a->bytes * b->bytes, a->perExample || b->perExample};
}

std::optional<Size> evalFoldResult(OpFoldResult r, int depth) {
  if (std::optional<int64_t> c = getConstantIntValue(r))
    return Size{*c, false};
  return evalIndex(cast<Value>(r), depth);
}

/// Dimension `i` of memref `m` (see evalIndex).
std::optional<Size> dimOf(Value m, int64_t i, int depth) {
  auto type = dyn_cast<MemRefType>(m.getType());
  if (depth > 16 || !type || i < 0 || i >= type.getRank())
    return std::nullopt;
  if (!type.isDynamicDim(i))
    return Size{type.getDimSize(i), false};
  if (isFunctionArgument(m))
    return Size{1, true};
  Operation *def = m.getDefiningOp();
  if (auto alloc = dyn_cast_or_null<memref::AllocOp>(def))
    return evalIndex(alloc.getDynamicSizes()[type.getDynamicDimIndex(i)],
                     depth + 1);
  if (auto view = dyn_cast_or_null<memref::ViewOp>(def))
    return evalIndex(view.getSizes()[type.getDynamicDimIndex(i)], depth + 1);
  if (auto castOp = dyn_cast_or_null<memref::CastOp>(def))
    return dimOf(castOp.getSource(), i, depth + 1);
  if (auto expand = dyn_cast_or_null<memref::ExpandShapeOp>(def))
    return evalIndex(expand.getOutputShape()[type.getDynamicDimIndex(i)],
                     depth + 1);
  if (auto collapse = dyn_cast_or_null<memref::CollapseShapeOp>(def)) {
    std::optional<Size> size = Size{1, false};
    for (int64_t j : collapse.getReassociationIndices()[i])
      size = multiply(size, dimOf(collapse.getSrc(), j, depth + 1));
    return size;
  }
  if (auto subview = dyn_cast_or_null<memref::SubViewOp>(def))
    if (subview.getSourceType().getRank() == type.getRank())
      return evalFoldResult(subview.getMixedSizes()[i], depth + 1);
  return std::nullopt;
}

/// `v` as a constant or a constant times the batch, when it is one. Every
/// dynamic dimension of a memref argument is the batch: the C entry points
/// build them so, and the impl functions pass them on.
std::optional<Size> evalIndex(Value v, int depth) {
  if (depth > 16)
    return std::nullopt;
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return Size{*c, false};
  Operation *def = v.getDefiningOp();
  if (!def)
    return std::nullopt;
  if (auto dim = dyn_cast<memref::DimOp>(def)) {
    std::optional<int64_t> index = dim.getConstantIndex();
    if (!index)
      return std::nullopt;
    return dimOf(dim.getSource(), *index, depth + 1);
  }
  if (auto mul = dyn_cast<arith::MulIOp>(def))
    return multiply(evalIndex(mul.getLhs(), depth + 1),
                    evalIndex(mul.getRhs(), depth + 1));
  if (auto cast = dyn_cast<arith::IndexCastOp>(def))
    return evalIndex(cast.getIn(), depth + 1);
  return std::nullopt;
}

/// The bytes of `alloc`, when they are a constant or a constant times the
/// batch, rounded up to kWorkspaceAlign.
std::optional<Size> allocSize(memref::AllocOp alloc) {
  MemRefType type = alloc.getType();
  Type element = type.getElementType();
  if (!type.getLayout().isIdentity() || type.getMemorySpace() ||
      !alloc.getSymbolOperands().empty() || !element.isIntOrFloat() ||
      element.getIntOrFloatBitWidth() % 8 != 0)
    return std::nullopt;
  Size size{element.getIntOrFloatBitWidth() / 8, false};
  unsigned dynamic = 0;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    Size dim{type.isDynamicDim(i) ? 0 : type.getDimSize(i), false};
    if (type.isDynamicDim(i)) {
      std::optional<Size> d = evalIndex(alloc.getDynamicSizes()[dynamic++]);
      if (!d)
        return std::nullopt;
      dim = *d;
    }
    std::optional<Size> product = multiply(size, dim);
    if (!product)
      return std::nullopt;
    size = *product;
  }
  size.bytes = llvm::alignTo(size.bytes, kWorkspaceAlign);
  return size;
}

/// The index of the last top-level op that uses `root` or a value derived
/// from it (views, pointers, addresses); nullopt when the buffer escapes
/// (is returned or stored) or is freed through a derived value.
/// Deallocations of `root` are not uses.
std::optional<int64_t> lastUse(Value root, Block &block,
                               const DenseMap<Operation *, int64_t> &index) {
  int64_t last = -1;
  bool known = dlc::walkDerivedUses(root, [&](OpOperand &use, Value v) {
    Operation *user = use.getOwner();
    // The buffer's own deallocations go with it; one of a value derived
    // from it (its base buffer) would free workspace memory.
    if (isa<memref::DeallocOp>(user))
      return v == root ? dlc::UseWalk::DontFollow : dlc::UseWalk::Stop;
    Operation *top = block.findAncestorOpInBlock(*user);
    if (!top)
      return dlc::UseWalk::Stop;
    last = std::max(last, index.lookup(top));
    // Sizes are not the buffer.
    return isa<memref::DimOp>(user) ? dlc::UseWalk::DontFollow
                                    : dlc::UseWalk::Follow;
  });
  if (!known)
    return std::nullopt;
  return last;
}

/// Gives each slot with a non-zero `size` an offset (a multiple of
/// kWorkspaceAlign) such that slots with overlapping live ranges do not
/// overlap; returns the bytes used. Largest first, each at the lowest
/// offset that fits.
int64_t pack(MutableArrayRef<Slot> slots, int64_t Slot::*size,
             int64_t Slot::*offset) {
  SmallVector<Slot *> order;
  for (Slot &s : slots)
    if (s.*size > 0)
      order.push_back(&s);
  llvm::sort(order, [&](Slot *a, Slot *b) {
    if (a->*size != b->*size)
      return a->*size > b->*size;
    return a->start != b->start ? a->start < b->start : a < b;
  });
  SmallVector<Slot *> placed;
  int64_t total = 0;
  for (Slot *s : order) {
    SmallVector<std::pair<int64_t, int64_t>> busy;
    for (Slot *p : placed)
      if (p->start <= s->end && s->start <= p->end)
        busy.push_back({p->*offset, p->*offset + p->*size});
    llvm::sort(busy);
    int64_t at = 0;
    for (auto [begin, end] : busy) {
      if (at + s->*size <= begin)
        break;
      at = std::max(at, end);
    }
    s->*offset = at;
    total = std::max(total, at + s->*size);
    placed.push_back(s);
  }
  return total;
}

/// `base + bytes` (an index or an i64).
Value offsetPointer(OpBuilder &b, Location loc, Value base, Value bytes) {
  MLIRContext *ctx = b.getContext();
  auto i64 = IntegerType::get(ctx, 64);
  if (bytes.getType().isIndex())
    bytes = b.create<arith::IndexCastOp>(loc, i64, bytes);
  return b.create<LLVM::GEPOp>(loc, LLVM::LLVMPointerType::get(ctx),
                               IntegerType::get(ctx, 8), base,
                               ValueRange{bytes});
}

class Planner {
public:
  explicit Planner(ModuleOp module) : module(module), symbols(module) {}

  LogicalResult run() {
    findPlannable();
    SmallVector<func::FuncOp> order;
    if (!postOrder(order))
      return success(); // recursion: every buffer stays on the heap
    for (func::FuncOp fn : order) {
      FailureOr<Need> need = planFunction(fn);
      if (failed(need))
        return failure();
      needs[fn] = *need;
    }
    for (auto fn : module.getOps<func::FuncOp>())
      if (fn->hasAttr(kWorkspaceAttr) && failed(planEntryPoint(fn)))
        return failure();
    for (auto fn : module.getOps<func::FuncOp>())
      fn->removeAttr(kWorkspaceAttr);
    return success();
  }

private:
  /// Private single-block functions called only from each other and from
  /// entry points that pass a workspace.
  void findPlannable() {
    for (auto fn : module.getOps<func::FuncOp>())
      if (fn.isPrivate() && !fn.isExternal() && fn.getBody().hasOneBlock())
        plannable.insert(fn);
    for (bool changed = true; changed;) {
      changed = false;
      for (func::FuncOp fn : llvm::to_vector(plannable)) {
        std::optional<SymbolTable::UseRange> uses =
            SymbolTable::getSymbolUses(fn, module);
        bool ok = uses.has_value();
        if (ok)
          for (const SymbolTable::SymbolUse &use : *uses) {
            auto call = dyn_cast<func::CallOp>(use.getUser());
            auto caller =
                call ? call->getParentOfType<func::FuncOp>() : func::FuncOp();
            ok &= caller && (plannable.contains(caller) ||
                             caller->hasAttr(kWorkspaceAttr));
          }
        if (!ok) {
          plannable.remove(fn);
          changed = true;
        }
      }
    }
  }

  func::FuncOp plannedCallee(func::CallOp call) {
    auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
    return callee && plannable.contains(callee) ? callee : func::FuncOp();
  }

  /// Callees before callers; false on recursion.
  bool postOrder(SmallVectorImpl<func::FuncOp> &order) {
    DenseMap<Operation *, int> state; // 1 visiting, 2 done
    std::function<bool(func::FuncOp)> visit = [&](func::FuncOp fn) {
      int &s = state[fn];
      if (s == 2)
        return true;
      if (s == 1)
        return false;
      s = 1;
      WalkResult r = fn.walk([&](func::CallOp call) {
        if (func::FuncOp callee = plannedCallee(call))
          if (!visit(callee))
            return WalkResult::interrupt();
        return WalkResult::advance();
      });
      if (r.wasInterrupted())
        return false;
      state[fn] = 2;
      order.push_back(fn);
      return true;
    };
    for (auto fn : module.getOps<func::FuncOp>())
      if (plannable.contains(fn) && !visit(fn))
        return false;
    return true;
  }

  /// The batch size in `fn`: a dynamic dimension of a memref argument,
  /// read at the function's start.
  FailureOr<Value> batchOf(func::FuncOp fn) {
    for (BlockArgument arg : fn.getArguments()) {
      auto type = dyn_cast<MemRefType>(arg.getType());
      if (!type || !type.getNumDynamicDims())
        continue;
      OpBuilder b = OpBuilder::atBlockBegin(&fn.getBody().front());
      int64_t i = 0;
      while (!type.isDynamicDim(i))
        ++i;
      return b.create<memref::DimOp>(fn.getLoc(), arg, i).getResult();
    }
    return fn.emitOpError("needs a workspace that grows with the batch but "
                          "has no argument with a batch dimension");
  }

  FailureOr<Need> planFunction(func::FuncOp fn) {
    Block &block = fn.getBody().front();
    DenseMap<Operation *, int64_t> index;
    for (auto [i, op] : llvm::enumerate(block))
      index[&op] = i;
    SmallVector<Slot> slots;
    for (Operation &op : block) {
      auto alloc = dyn_cast<memref::AllocOp>(op);
      if (!alloc)
        continue;
      std::optional<Size> size = allocSize(alloc);
      if (!size || size->bytes == 0)
        continue;
      std::optional<int64_t> end = lastUse(alloc, block, index);
      if (!end)
        continue;
      int64_t start = index[&op];
      slots.push_back({&op, start, std::max(start, *end),
                       size->perExample ? 0 : size->bytes,
                       size->perExample ? size->bytes : 0});
    }
    fn.walk([&](func::CallOp call) {
      func::FuncOp callee = plannedCallee(call);
      if (!callee || needs.lookup(callee).empty())
        return;
      Need need = needs.lookup(callee);
      int64_t at = index[block.findAncestorOpInBlock(*call)];
      slots.push_back({call, at, at, need.fixed, need.perExample});
    });
    Need need;
    need.fixed = pack(slots, &Slot::fixed, &Slot::fixedOffset);
    need.perExample = pack(slots, &Slot::perExample, &Slot::perExampleOffset);
    if (need.empty())
      return need;

    // The workspace: a fixed space and a per-example space.
    Location loc = fn.getLoc();
    auto ptrType = LLVM::LLVMPointerType::get(fn.getContext());
    unsigned n = fn.getNumArguments();
    fn.insertArgument(n, ptrType, {}, loc);
    fn.insertArgument(n + 1, ptrType, {}, loc);
    Value fixedSpace = fn.getArgument(n), batchSpace = fn.getArgument(n + 1);
    Value batch;
    if (need.perExample) {
      FailureOr<Value> b = batchOf(fn);
      if (failed(b))
        return failure();
      batch = *b;
    }
    OpBuilder b(fn.getContext());
    // Where a slot starts in the fixed or the per-example space.
    auto fixedAt = [&](Slot &s) {
      Location l = s.op->getLoc();
      return offsetPointer(
          b, l, fixedSpace,
          b.create<arith::ConstantIndexOp>(l, s.fixedOffset).getResult());
    };
    auto perExampleAt = [&](Slot &s) {
      Location l = s.op->getLoc();
      return offsetPointer(
          b, l, batchSpace,
          b.create<arith::MulIOp>(
               l, batch,
               b.create<arith::ConstantIndexOp>(l, s.perExampleOffset))
              .getResult());
    };
    for (Slot &s : slots) {
      b.setInsertionPoint(s.op);
      if (auto alloc = dyn_cast<memref::AllocOp>(s.op)) {
        Location l = alloc.getLoc();
        Value buffer = memrefOverPointer(
            b, l, s.perExample ? perExampleAt(s) : fixedAt(s), alloc.getType(),
            [&](int64_t i) -> Value {
              return b.create<arith::IndexCastOp>(
                  l, b.getI64Type(),
                  alloc.getDynamicSizes()[alloc.getType().getDynamicDimIndex(i)]);
            });
        for (Operation *user : llvm::to_vector(alloc->getUsers()))
          if (isa<memref::DeallocOp>(user))
            user->erase();
        alloc.replaceAllUsesWith(buffer);
        alloc.erase();
        continue;
      }
      auto call = cast<func::CallOp>(s.op);
      Value fixedPtr = fixedAt(s);
      Value batchPtr = s.perExample ? perExampleAt(s) : fixedPtr;
      call.getOperandsMutable().append({fixedPtr, batchPtr});
    }
    return need;
  }

  /// Passes the workspace of entry point `fn` to the impl functions it
  /// calls and records the bytes in the model's descriptor.
  LogicalResult planEntryPoint(func::FuncOp fn) {
    auto attr = fn->getAttrOfType<DictionaryAttr>(kWorkspaceAttr);
    auto model = attr ? attr.getAs<StringAttr>("model") : StringAttr();
    auto arg = attr ? attr.getAs<IntegerAttr>("arg") : IntegerAttr();
    auto offset = attr ? attr.getAs<IntegerAttr>("offset") : IntegerAttr();
    auto inRange = [&](IntegerAttr i) {
      return i && i.getInt() >= 0 &&
             i.getInt() < int64_t(fn.getNumArguments());
    };
    auto desc = model ? symbols.lookup<net::DescriptorOp>(model.getValue())
                      : net::DescriptorOp();
    if (!desc || !inRange(arg) || !offset ||
        offset.getInt() < 0 || offset.getInt() % kWorkspaceAlign != 0 ||
        !isa<LLVM::LLVMPointerType>(fn.getArgument(arg.getInt()).getType()))
      return fn.emitOpError("has a malformed ")
             << kWorkspaceAttr
             << " (expected {model, arg, offset}: a descriptor, a pointer "
                "argument and a byte offset that is a multiple of "
             << kWorkspaceAlign << ")";
    auto i64 = IntegerType::get(fn.getContext(), 64);
    WalkResult r = fn.walk([&](func::CallOp call) {
      func::FuncOp callee = plannedCallee(call);
      if (!callee || needs.lookup(callee).empty())
        return WalkResult::advance();
      Need need = needs.lookup(callee);
      OpBuilder b(call);
      Location l = call.getLoc();
      auto cst = [&](int64_t v) -> Value {
        return b.create<LLVM::ConstantOp>(l, i64, b.getI64IntegerAttr(v));
      };
      Value ws = fn.getArgument(arg.getInt());
      int64_t w0 = offset.getInt();
      call.getOperandsMutable().append(
          {offsetPointer(b, l, ws, cst(w0)),
           offsetPointer(b, l, ws, cst(w0 + need.fixed))});
      desc.setWorkspaceFixedBytes(
          std::max(int64_t(desc.getWorkspaceFixedBytes()), w0 + need.fixed));
      desc.setWorkspacePerExampleBytes(std::max(
          int64_t(desc.getWorkspacePerExampleBytes()), need.perExample));
      return WalkResult::advance();
    });
    return failure(r.wasInterrupted());
  }

  ModuleOp module;
  SymbolTable symbols;
  llvm::SetVector<func::FuncOp> plannable;
  DenseMap<func::FuncOp, Need> needs;
};

struct DlcPlanWorkspacePass
    : public dlc::impl::DlcPlanWorkspaceBase<DlcPlanWorkspacePass> {
  void runOnOperation() override {
    if (failed(Planner(getOperation()).run()))
      signalPassFailure();
  }
};
} // namespace
