//===- ParallelizeLoops.cpp - dlc-parallelize-loops -----------------------===//
//
// Generated elementwise and optimizer code runs on the kernel library's
// thread pool. dlc-tile-and-vectorize marks the outer tile loop of each op
// on buffers whose dimension is parallel (`dlc.parallel`, with the work of
// one iteration); here each outermost marked loop
//
//   scf.for %i = %lb to %ub step %s { body(%i) }
//
// becomes a function @F.parallelN(%ctx: !llvm.ptr, %begin: i64, %end: i64)
// running iterations [begin, end), and the loop a call
//
//   dlc_k_parallel_for(@F.parallelN, %ctx, ceildiv(%ub - %lb, %s), cost)
//
// %ctx points to a struct on the caller's stack that holds what the body
// uses: memrefs as their descriptor fields (aligned pointer, offset, sizes,
// strides; the callee rebuilds the descriptor and casts it back to the
// memref type, which the LLVM conversion folds away), index values as i64,
// other scalars and 1-D vectors as they are. Constants are cloned into the
// callee. Only independent iterations are split, so the results do not
// depend on the number of threads.
//
//===----------------------------------------------------------------------===//

#include "dlc/Transforms/Passes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"

namespace dlc {
#define GEN_PASS_DEF_DLCPARALLELIZELOOPS
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;

namespace {
constexpr StringLiteral kParallelFor = "dlc_k_parallel_for";

bool isConstant(Value v) {
  Operation *def = v.getDefiningOp();
  return def && def->getNumOperands() == 0 && def->getNumResults() == 1 &&
         def->getNumRegions() == 0 && def->hasTrait<OpTrait::ConstantLike>();
}

/// A memref the context can carry: strided, default memory space.
bool isCarriedMemRef(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && !memref.getMemorySpace() && isStrided(memref);
}

/// The context fields of a captured value of `type`; empty when the type
/// cannot be carried.
SmallVector<Type> fieldTypes(Type type) {
  MLIRContext *ctx = type.getContext();
  auto i64 = IntegerType::get(ctx, 64);
  if (auto memref = dyn_cast<MemRefType>(type)) {
    if (!isCarriedMemRef(memref))
      return {};
    SmallVector<Type> fields = {LLVM::LLVMPointerType::get(ctx), i64};
    fields.append(2 * memref.getRank(), i64);
    return fields;
  }
  if (isa<IndexType>(type))
    return {i64};
  if (isa<IntegerType, FloatType>(type))
    return {type};
  if (auto vector = dyn_cast<VectorType>(type))
    if (vector.getRank() == 1 && !vector.isScalable() &&
        isa<IntegerType, FloatType>(vector.getElementType()))
      return {type};
  return {};
}

/// The descriptor struct the LLVM conversion uses for `type`.
Type descriptorType(MemRefType type) {
  MLIRContext *ctx = type.getContext();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto i64 = IntegerType::get(ctx, 64);
  SmallVector<Type> fields = {ptr, ptr, i64};
  if (type.getRank() > 0) {
    auto array = LLVM::LLVMArrayType::get(i64, type.getRank());
    fields.push_back(array);
    fields.push_back(array);
  }
  return LLVM::LLVMStructType::getLiteral(ctx, fields);
}

class Outliner {
public:
  Outliner(ModuleOp module) : module(module), symbols(module) {}

  /// Outlines `loop` (marked, no results) when every captured value can be
  /// carried; returns false when it stays serial.
  bool run(scf::ForOp loop, int64_t cost);

private:
  func::FuncOp declareParallelFor(FunctionType bodyType, Location loc);

  ModuleOp module;
  SymbolTable symbols;
  int64_t counter = 0;
};

func::FuncOp Outliner::declareParallelFor(FunctionType bodyType,
                                          Location loc) {
  if (auto fn = module.lookupSymbol<func::FuncOp>(kParallelFor))
    return fn;
  MLIRContext *ctx = module.getContext();
  auto i64 = IntegerType::get(ctx, 64);
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto fn = b.create<func::FuncOp>(
      loc, kParallelFor,
      b.getFunctionType({bodyType, LLVM::LLVMPointerType::get(ctx), i64, i64},
                        {}));
  fn.setPrivate();
  return fn;
}

/// Whether a loop is worth a call of dlc_k_parallel_for: ~64K work units
/// in all when the trip count is static, 256 per iteration otherwise (the
/// batch: a row of a [?, 10] tensor is not worth waking a thread for).
bool worthParallel(scf::ForOp loop, int64_t cost) {
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (lb && ub && step && *step > 0)
    return (*ub - *lb + *step - 1) / *step * cost >= (int64_t{1} << 16);
  return cost >= 256;
}

bool Outliner::run(scf::ForOp loop, int64_t cost) {
  if (loop.getNumResults() != 0 ||
      !loop.getInductionVar().getType().isIndex() || !worthParallel(loop, cost))
    return false;
  MLIRContext *ctx = loop.getContext();
  Location loc = loop.getLoc();
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  auto i64 = IntegerType::get(ctx, 64);

  // What the body uses from outside, and the loop's start and step.
  SetVector<Value> used;
  getUsedValuesDefinedAbove(loop.getRegion(), used);
  used.insert(loop.getLowerBound());
  used.insert(loop.getStep());
  SmallVector<Value> constants, captured;
  SmallVector<Type> fields;
  for (Value v : used) {
    if (isConstant(v)) {
      constants.push_back(v);
      continue;
    }
    SmallVector<Type> f = fieldTypes(v.getType());
    if (f.empty())
      return false;
    captured.push_back(v);
    fields.append(f);
  }
  auto ctxType = LLVM::LLVMStructType::getLiteral(ctx, fields);

  // The callee.
  auto fn = loop->getParentOfType<func::FuncOp>();
  FunctionType bodyType = FunctionType::get(ctx, {ptrType, i64, i64}, {});
  OpBuilder mb(fn);
  auto callee = mb.create<func::FuncOp>(
      loc, (fn.getSymName() + ".parallel" + Twine(counter++)).str(), bodyType);
  callee.setPrivate();
  symbols.insert(callee);
  Block *entry = callee.addEntryBlock();
  OpBuilder cb = OpBuilder::atBlockBegin(entry);
  IRMapping map;
  for (Value v : constants)
    map.map(v, cb.clone(*v.getDefiningOp())->getResult(0));
  Value ctxArg = entry->getArgument(0);
  int64_t field = 0;
  auto load = [&](Type type) -> Value {
    Value at = cb.create<LLVM::GEPOp>(loc, ptrType, ctxType, ctxArg,
                                      ArrayRef<LLVM::GEPArg>{0, field++});
    return cb.create<LLVM::LoadOp>(loc, type, at);
  };
  for (Value v : captured) {
    Type type = v.getType();
    if (auto memref = dyn_cast<MemRefType>(type)) {
      Value ptr = load(ptrType);
      Type descType = descriptorType(memref);
      Value desc = cb.create<LLVM::UndefOp>(loc, descType);
      desc = cb.create<LLVM::InsertValueOp>(loc, desc, ptr, 0);
      desc = cb.create<LLVM::InsertValueOp>(loc, desc, ptr, 1);
      desc = cb.create<LLVM::InsertValueOp>(loc, desc, load(i64), 2);
      for (int64_t part : {3, 4})
        for (int64_t d = 0, e = memref.getRank(); d < e; ++d)
          desc = cb.create<LLVM::InsertValueOp>(loc, desc, load(i64),
                                                ArrayRef<int64_t>{part, d});
      map.map(v, cb.create<UnrealizedConversionCastOp>(loc, type, desc)
                     .getResult(0));
    } else if (isa<IndexType>(type)) {
      map.map(v, cb.create<arith::IndexCastOp>(loc, type, load(i64)));
    } else {
      map.map(v, load(type));
    }
  }
  auto index = [&](OpBuilder &b, Value v) -> Value {
    return b.create<arith::IndexCastOp>(loc, b.getIndexType(), v);
  };
  Value begin = index(cb, entry->getArgument(1));
  Value end = index(cb, entry->getArgument(2));
  Value one = cb.create<arith::ConstantIndexOp>(loc, 1);
  auto inner = cb.create<scf::ForOp>(loc, begin, end, one);
  {
    OpBuilder ib = OpBuilder::atBlockBegin(inner.getBody());
    Value scaled = ib.create<arith::MulIOp>(loc, inner.getInductionVar(),
                                            map.lookup(loop.getStep()));
    map.map(loop.getInductionVar(),
            ib.create<arith::AddIOp>(loc, map.lookup(loop.getLowerBound()),
                                     scaled));
    ib.setInsertionPoint(inner.getBody()->getTerminator());
    for (Operation &op : loop.getBody()->without_terminator())
      ib.clone(op, map);
  }
  cb.create<func::ReturnOp>(loc);

  // The caller: the context on the stack (once, at the function's entry),
  // filled before the call. Aligned for its widest field (a vector<16xf32>
  // is stored with 64-byte aligned moves).
  OpBuilder eb = OpBuilder::atBlockBegin(&fn.getBody().front());
  Value count1 = eb.create<LLVM::ConstantOp>(loc, i64, eb.getI64IntegerAttr(1));
  Value ctxPtr = eb.create<LLVM::AllocaOp>(loc, ptrType, ctxType, count1,
                                           /*alignment=*/64);
  OpBuilder b(loop);
  field = 0;
  auto store = [&](Value value) {
    Value at = b.create<LLVM::GEPOp>(loc, ptrType, ctxType, ctxPtr,
                                     ArrayRef<LLVM::GEPArg>{0, field++});
    b.create<LLVM::StoreOp>(loc, value, at);
  };
  auto toI64 = [&](Value v) -> Value {
    return b.create<arith::IndexCastOp>(loc, i64, v);
  };
  for (Value v : captured) {
    Type type = v.getType();
    if (auto memref = dyn_cast<MemRefType>(type)) {
      Value address =
          toI64(b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, v));
      store(b.create<LLVM::IntToPtrOp>(loc, ptrType, address));
      auto meta = b.create<memref::ExtractStridedMetadataOp>(loc, v);
      store(toI64(meta.getOffset()));
      for (Value size : meta.getSizes())
        store(toI64(size));
      for (Value stride : meta.getStrides())
        store(toI64(stride));
    } else if (isa<IndexType>(type)) {
      store(toI64(v));
    } else {
      store(v);
    }
  }
  // Tile loops step forward: trips = (ub - lb + step - 1) / step (<= 0
  // when empty).
  Value span = b.create<arith::SubIOp>(
      loc, b.create<arith::AddIOp>(loc, loop.getUpperBound(), loop.getStep()),
      b.create<arith::AddIOp>(loc, loop.getLowerBound(),
                              b.create<arith::ConstantIndexOp>(loc, 1)));
  Value trips = b.create<arith::DivSIOp>(loc, span, loop.getStep());
  Value fnPtr = b.create<func::ConstantOp>(loc, bodyType,
                                           SymbolRefAttr::get(callee));
  declareParallelFor(bodyType, loc);
  Value costValue = b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(cost));
  b.create<func::CallOp>(loc, kParallelFor, TypeRange{},
                         ValueRange{fnPtr, ctxPtr, toI64(trips), costValue});
  loop.erase();
  return true;
}

struct DlcParallelizeLoopsPass
    : public dlc::impl::DlcParallelizeLoopsBase<DlcParallelizeLoopsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Outermost marked loops only; marks inside them are dropped.
    SmallVector<std::pair<scf::ForOp, int64_t>> loops;
    module.walk<WalkOrder::PreOrder>([&](scf::ForOp loop) {
      auto cost = loop->getAttrOfType<IntegerAttr>(kParallelLoopAttr);
      if (!cost)
        return;
      loop->removeAttr(kParallelLoopAttr);
      for (Operation *p = loop->getParentOp(); p; p = p->getParentOp())
        if (auto outer = dyn_cast<scf::ForOp>(p))
          if (llvm::any_of(loops, [&](auto &l) { return l.first == outer; }))
            return;
      loops.push_back({loop, cost.getInt()});
    });
    Outliner outliner(module);
    for (auto [loop, cost] : loops)
      (void)outliner.run(loop, cost);
  }
};
} // namespace
