//===- KernelCalls.cpp - Bufferize contractions into kernel calls ---------===//
//
// Convolutions, pooling and matrix products are the bulk of a training step.
// With `convert-net-to-linalg{kernels=true}` (the default) they stay net ops
// until bufferization, and bufferize into calls of dlc's kernel library
// (runtime/kernels/include/dlc/kernels.h): packed, register-blocked and
// multi-threaded GEMM and convolution routines that `dlc compile` links
// statically into the model library. Each call gets the aligned pointers of
// dense row-major buffers and the dimensions as i64.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/Net/NetOps.h"
#include "dlc/Pipeline.h"
#include "dlc/StaticExtent.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <optional>
#include <type_traits>
#include <utility>

using namespace mlir;
using namespace mlir::bufferization;
using namespace dlc::net;

namespace {

/// Whether `type` is row-major and contiguous, at any offset: its strides
/// are the suffix products of its sizes, so a kernel can take the address
/// of its first element (a parameter's slice of the flat buffer).
bool isDenseRowMajor(MemRefType type) {
  if (type.getLayout().isIdentity())
    return true;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(getStridesAndOffset(type, strides, offset)))
    return false;
  int64_t expected = 1;
  for (int64_t d = type.getRank() - 1; d >= 0; --d) {
    if (strides[d] != expected)
      return false;
    if (d == 0)
      break;
    if (type.isDynamicDim(d))
      return false;
    expected *= type.getDimSize(d);
  }
  return true;
}

bool isView(Operation *op) {
  return isa<memref::ReinterpretCastOp, memref::SubViewOp, memref::CastOp>(op);
}

/// On a view that a kernel call writes directly (directDestination).
constexpr StringLiteral kKernelOutputAttr = "dlc.kernel_output";

/// Whether a memref.reinterpret_cast is made of `view` or of a view of it:
/// it starts again from the buffer's base, outside `view`'s extent.
bool reinterpretedBelow(Value view) {
  for (Operation *user : view.getUsers()) {
    if (isa<memref::ReinterpretCastOp>(user))
      return true;
    if (isView(user) && user->getOperand(0) == view &&
        reinterpretedBelow(user->getResult(0)))
      return true;
  }
  return false;
}

/// Whether `buffer` (a function argument, or a view of one) is only ever
/// the destination of bufferization.materialize_in_destination: nothing
/// reads it, so it may be written before the materialization. Views that
/// kernels already write (kKernelOutputAttr) count as such destinations.
/// With `extent` (the elements a kernel would write, of the argument),
/// direct views of the argument that cover other elements are not looked
/// at: whatever reads or writes them (the other gradients' slices, a bias
/// gradient's reduction computed in its slice) does not touch these. With
/// `result` (the materialization of the kernel's result, in the kernel's
/// block), uses after it in that block see the result either way (the L2
/// terms added to the gradients).
bool onlyMaterializedInto(
    Value buffer, Operation *result,
    std::optional<std::pair<int64_t, int64_t>> extent = std::nullopt) {
  for (OpOperand &use : buffer.getUses()) {
    Operation *user = use.getOwner();
    if (result) {
      Operation *top = result->getBlock()->findAncestorOpInBlock(*user);
      if (top && top != result && result->isBeforeInBlock(top))
        continue;
    }
    if (extent && isa<memref::ReinterpretCastOp>(user)) {
      auto other = dlc::staticExtent(user->getResult(0));
      if (other && dlc::disjoint(*other, *extent) &&
          !reinterpretedBelow(user->getResult(0)))
        continue;
    }
    if (auto into = dyn_cast<MaterializeInDestinationOp>(user)) {
      if (use.get() != into.getDest())
        return false;
    } else if (user->hasAttr(kKernelOutputAttr)) {
      continue;
    } else if (!isView(user) || use.getOperandNumber() != 0 ||
               !onlyMaterializedInto(user->getResult(0), result)) {
      return false;
    }
  }
  return true;
}

/// The buffer a kernel op can write its result into: the destination of
/// the one materialize_in_destination that takes its result (a gradient
/// slice or an output of an entry point), when that is a dense row-major
/// static view of a function argument nothing reads. The view is moved
/// before `op`; the materialization then copies the buffer onto itself,
/// which canonicalization erases. Null when there is none.
Value directDestination(RewriterBase &b, Operation *op) {
  if (op->getNumResults() != 1 || !op->getResult(0).hasOneUse())
    return {};
  auto into = dyn_cast<MaterializeInDestinationOp>(
      *op->getResult(0).getUsers().begin());
  if (!into || !into.getWritable())
    return {};
  Value dest = into.getDest();
  auto type = dyn_cast<MemRefType>(dest.getType());
  auto resultType = cast<ShapedType>(op->getResult(0).getType());
  if (!type || type.getShape() != resultType.getShape() ||
      type.getElementType() != resultType.getElementType() ||
      !isDenseRowMajor(type))
    return {};
  SmallVector<Operation *> views;
  Value root = dest;
  if (!dest.getDefiningOp())
    return {}; // an output argument itself (predictions): not a kernel's
  while (Operation *def = root.getDefiningOp()) {
    if (!isView(def) || def->getNumOperands() != 1)
      return {};
    views.push_back(def);
    root = def->getOperand(0);
  }
  auto arg = dyn_cast<BlockArgument>(root);
  // The elements written, when one reinterpret_cast of the argument views
  // them (a parameter's slice of the flat gradient buffer).
  std::optional<std::pair<int64_t, int64_t>> extent;
  if (views.size() == 1 && isa<memref::ReinterpretCastOp>(views.front()))
    extent = dlc::staticExtent(dest);
  if (!arg || !isa<func::FuncOp>(arg.getOwner()->getParentOp()) ||
      !onlyMaterializedInto(
          root, into->getBlock() == op->getBlock() ? into.getOperation() : nullptr,
          extent))
    return {};
  for (Operation *view : llvm::reverse(views))
    if (view->getBlock() != op->getBlock() || op->isBeforeInBlock(view))
      b.moveOpBefore(view, op);
  views.front()->setAttr(kKernelOutputAttr, b.getUnitAttr());
  return dest;
}

/// Builds the operands of one kernel call.
class KernelCall {
public:
  KernelCall(RewriterBase &rewriter, Operation *op,
             const BufferizationOptions &options)
      : b(rewriter), op(op), loc(op->getLoc()), options(options) {}

  /// The buffer of `tensor`, copied into a dense buffer first when its
  /// layout is not the identity.
  FailureOr<Value> input(Value tensor) {
    FailureOr<Value> buffer = getBuffer(b, tensor, options);
    if (failed(buffer))
      return failure();
    auto type = cast<MemRefType>(buffer->getType());
    Value dense = *buffer;
    if (!isDenseRowMajor(type)) {
      auto denseType =
          MemRefType::get(type.getShape(), type.getElementType());
      FailureOr<Value> alloc = options.createAlloc(
          b, loc, denseType, dynamicSizes(*buffer, type));
      if (failed(alloc))
        return failure();
      b.create<linalg::CopyOp>(loc, *buffer, *alloc);
      dense = *alloc;
    }
    return dense;
  }

  /// A new buffer of `type`, its dynamic sizes those of (buffer, dim) pairs.
  /// The destination the op's result is materialized into, when the
  /// kernel can write it there directly (directDestination).
  FailureOr<Value> result(RankedTensorType type,
                          ArrayRef<std::pair<Value, int64_t>> dynFrom) {
    if (Value dest = directDestination(b, op))
      return dest;
    SmallVector<Value> sizes;
    for (auto [value, dim] : dynFrom)
      sizes.push_back(b.create<memref::DimOp>(loc, value, dim));
    auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
    FailureOr<Value> alloc = options.createAlloc(b, loc, memrefType, sizes);
    return alloc;
  }

  /// The address of a dense buffer's first element, as !llvm.ptr.
  void addPointer(Value buffer) {
    Value index =
        b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, buffer);
    auto type = cast<MemRefType>(buffer.getType());
    if (!type.getLayout().isIdentity()) { // a view at an offset
      auto meta = b.create<memref::ExtractStridedMetadataOp>(loc, buffer);
      Value bytes = b.create<arith::MulIOp>(
          loc, meta.getOffset(),
          b.create<arith::ConstantIndexOp>(
              loc, type.getElementTypeBitWidth() / 8));
      index = b.create<arith::AddIOp>(loc, index, bytes);
    }
    Value i64 = b.create<arith::IndexCastOp>(loc, b.getI64Type(), index);
    args.push_back(b.create<LLVM::IntToPtrOp>(
        loc, LLVM::LLVMPointerType::get(b.getContext()), i64));
  }

  void addInt(int64_t v) {
    args.push_back(b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(v)));
  }
  /// Dimension `dim` of buffer `value`: a constant when static.
  void addDim(Value value, int64_t dim) {
    auto type = cast<MemRefType>(value.getType());
    if (!type.isDynamicDim(dim))
      return addInt(type.getDimSize(dim));
    Value size = b.create<memref::DimOp>(loc, value, dim);
    args.push_back(b.create<arith::IndexCastOp>(loc, b.getI64Type(), size));
  }

  /// Emits `func.call @name(args)`, declaring the function when needed.
  /// For `dlc.target = "cuda"`, dlc_k_X becomes dlc_cu_X (runtime/cuda):
  /// the same arguments, with device pointers.
  void emit(StringRef kernel) {
    auto module = op->getParentOfType<ModuleOp>();
    std::string name = kernel.str();
    if (dlc::targetsCuda(module) && kernel.consume_front("dlc_k_"))
      name = ("dlc_cu_" + kernel).str();
    if (!module.lookupSymbol<func::FuncOp>(name)) {
      OpBuilder decl = OpBuilder::atBlockBegin(module.getBody());
      auto fn = decl.create<func::FuncOp>(
          loc, name, b.getFunctionType(ValueRange(args).getTypes(), {}));
      fn.setPrivate();
    }
    b.create<func::CallOp>(loc, name, TypeRange{}, args);
  }

private:
  SmallVector<Value> dynamicSizes(Value buffer, MemRefType type) {
    SmallVector<Value> sizes;
    for (int64_t i = 0, e = type.getRank(); i < e; ++i)
      if (type.isDynamicDim(i))
        sizes.push_back(b.create<memref::DimOp>(loc, buffer, i));
    return sizes;
  }

  RewriterBase &b;
  Operation *op;
  Location loc;
  const BufferizationOptions &options;
  SmallVector<Value> args;
};

/// Reads every operand, writes none, and returns a new buffer.
template <typename Derived, typename OpTy>
struct KernelOpModel
    : public BufferizableOpInterface::ExternalModel<Derived, OpTy> {
  bool bufferizesToMemoryRead(Operation *, OpOperand &,
                              const AnalysisState &) const {
    return true;
  }
  bool bufferizesToMemoryWrite(Operation *, OpOperand &,
                               const AnalysisState &) const {
    return false;
  }
  AliasingValueList getAliasingValues(Operation *, OpOperand &,
                                      const AnalysisState &) const {
    return {};
  }
  bool bufferizesToAllocation(Operation *, Value) const { return true; }
};

/// N H W C KH KW F OH OW SH SW PT PL, from an NHWC input buffer, an HWCF
/// filter shape and an NHWC output buffer.
void addConvDims(KernelCall &call, Value input, ArrayRef<int64_t> filter,
                 Value output, ArrayRef<int64_t> strides,
                 ArrayRef<int64_t> pad) {
  call.addDim(input, 0);
  for (int64_t d = 1; d < 4; ++d)
    call.addDim(input, d);
  call.addInt(filter[0]);
  call.addInt(filter[1]);
  call.addInt(filter[3]);
  call.addDim(output, 1);
  call.addDim(output, 2);
  call.addInt(strides[0]);
  call.addInt(strides[1]);
  call.addInt(pad[0]);
  call.addInt(pad[2]);
}

ArrayRef<int64_t> shapeOf(Value v) {
  return cast<ShapedType>(v.getType()).getShape();
}

/// Returns failure from the enclosing function when `expr` fails.
#define DLC_TRY(var, expr)                                                     \
  FailureOr<Value> var = (expr);                                               \
  if (failed(var))                                                             \
    return failure();

/// Where a convolution's x, filter and y are among (first operand, second
/// operand, result), and the kernel that computes the result.
struct ConvRoles {
  Value x;
  ArrayRef<int64_t> filter;
  Value y;
  StringRef kernel;
};
ConvRoles convRoles(Conv2DOp, Value a, Value b, Value r) {
  return {a, shapeOf(b), r, "dlc_k_conv2d_fwd"};
}
ConvRoles convRoles(Conv2DGradInputOp, Value a, Value b, Value r) {
  return {r, shapeOf(b), a, "dlc_k_conv2d_bwd_data"};
}
ConvRoles convRoles(Conv2DGradFilterOp, Value a, Value b, Value r) {
  return {a, shapeOf(r), b, "dlc_k_conv2d_bwd_filter"};
}

/// net.conv2d (x, w), net.conv2d_grad_input (dy, w) and
/// net.conv2d_grad_filter (x, dy): kernel(a, b, result, 13 dimensions).
template <typename OpTy>
struct ConvModel : KernelOpModel<ConvModel<OpTy>, OpTy> {
  LogicalResult bufferize(Operation *o, RewriterBase &rewriter,
                          const BufferizationOptions &options) const {
    auto op = cast<OpTy>(o);
    auto type = cast<RankedTensorType>(op.getType());
    KernelCall call(rewriter, op, options);
    DLC_TRY(a, call.input(op->getOperand(0)));
    DLC_TRY(b, call.input(op->getOperand(1)));
    SmallVector<std::pair<Value, int64_t>> dyn;
    if (type.isDynamicDim(0))
      dyn.push_back({*a, 0});
    DLC_TRY(r, call.result(type, dyn));
    for (Value v : {*a, *b, *r})
      call.addPointer(v);
    ConvRoles roles = convRoles(op, *a, *b, *r);
    addConvDims(call, roles.x, roles.filter, roles.y, op.getStrides(),
                op.getPad());
    call.emit(roles.kernel);
    replaceOpWithBufferizedValues(rewriter, op, *r);
    return success();
  }
};

/// net.conv2d_bias_act (x, w, bias):
/// dlc_k_conv2d_fwd_bias_act(x, w, bias, y, 13 dimensions, act).
struct ConvBiasActModel : KernelOpModel<ConvBiasActModel, Conv2DBiasActOp> {
  LogicalResult bufferize(Operation *o, RewriterBase &rewriter,
                          const BufferizationOptions &options) const {
    auto op = cast<Conv2DBiasActOp>(o);
    auto type = cast<RankedTensorType>(op.getType());
    KernelCall call(rewriter, op, options);
    DLC_TRY(x, call.input(op.getInput()));
    DLC_TRY(w, call.input(op.getFilter()));
    DLC_TRY(bias, call.input(op.getBias()));
    SmallVector<std::pair<Value, int64_t>> dyn;
    if (type.isDynamicDim(0))
      dyn.push_back({*x, 0});
    DLC_TRY(y, call.result(type, dyn));
    for (Value v : {*x, *w, *bias, *y})
      call.addPointer(v);
    addConvDims(call, *x, shapeOf(*w), *y, op.getStrides(), op.getPad());
    call.addInt(op.getRelu() ? 1 : 0);
    call.emit("dlc_k_conv2d_fwd_bias_act");
    replaceOpWithBufferizedValues(rewriter, op, *y);
    return success();
  }
};

/// N H W C KH KW OH OW SH SW PT PL.
void addPoolDims(KernelCall &call, Value input, Value output,
                 ArrayRef<int64_t> size, ArrayRef<int64_t> strides,
                 ArrayRef<int64_t> pad) {
  for (int64_t d = 0; d < 4; ++d)
    call.addDim(input, d);
  call.addInt(size[0]);
  call.addInt(size[1]);
  call.addDim(output, 1);
  call.addDim(output, 2);
  call.addInt(strides[0]);
  call.addInt(strides[1]);
  call.addInt(pad[0]);
  call.addInt(pad[2]);
}

int64_t poolKind(PoolKind kind) { return kind == PoolKind::max ? 0 : 1; }

/// net.pool2d (x) and net.pool2d_grad (x, y, dy): kernel(kind, operands...,
/// result, 12 dimensions); the result's batch is x's.
template <typename OpTy>
struct PoolModel : KernelOpModel<PoolModel<OpTy>, OpTy> {
  LogicalResult bufferize(Operation *o, RewriterBase &rewriter,
                          const BufferizationOptions &options) const {
    auto op = cast<OpTy>(o);
    KernelCall call(rewriter, op, options);
    SmallVector<Value> inputs;
    for (Value operand : op->getOperands()) {
      DLC_TRY(buffer, call.input(operand));
      inputs.push_back(*buffer);
    }
    DLC_TRY(r, call.result(cast<RankedTensorType>(op.getType()),
                           {{inputs[0], 0}}));
    Value pooled = inputs.size() > 1 ? inputs[1] : *r; // y: fwd output
    int64_t kind = poolKind(op.getKind());
    if constexpr (std::is_same_v<OpTy, Pool2DGradOp>)
      kind |= op.getRelu() ? 2 : 0; // masked by input > 0
    call.addInt(kind);
    for (Value v : inputs)
      call.addPointer(v);
    call.addPointer(*r);
    addPoolDims(call, inputs[0], pooled, op.getSize(), op.getStrides(),
                op.getPad());
    call.emit(std::is_same_v<OpTy, Pool2DOp> ? "dlc_k_pool2d_fwd"
                                             : "dlc_k_pool2d_bwd");
    replaceOpWithBufferizedValues(rewriter, op, *r);
    return success();
  }
};

/// C[M,N] = op(A) op(B): (M, N, K, A, lda, transA, B, ldb, transB, C, ldc,
/// accumulate = 0).
struct MatmulModel : KernelOpModel<MatmulModel, MatmulOp> {
  LogicalResult bufferize(Operation *o, RewriterBase &rewriter,
                          const BufferizationOptions &options) const {
    auto op = cast<MatmulOp>(o);
    bool ta = op.getTransposeA(), tb = op.getTransposeB();
    if (ta && tb)
      return op.emitOpError("has both operands transposed");
    auto type = cast<RankedTensorType>(op.getType());
    KernelCall call(rewriter, op, options);
    DLC_TRY(a, call.input(op.getLhs()));
    DLC_TRY(bm, call.input(op.getRhs()));
    SmallVector<std::pair<Value, int64_t>> dyn;
    if (type.isDynamicDim(0))
      dyn.push_back({*a, ta ? 1 : 0});
    if (type.isDynamicDim(1))
      dyn.push_back({*bm, tb ? 0 : 1});
    DLC_TRY(c, call.result(type, dyn));
    call.addDim(*a, ta ? 1 : 0);  // M
    call.addDim(*bm, tb ? 0 : 1); // N
    call.addDim(*a, ta ? 0 : 1);  // K
    call.addPointer(*a);
    call.addDim(*a, 1);           // lda: A's row length
    call.addInt(ta);
    call.addPointer(*bm);
    call.addDim(*bm, 1);          // ldb
    call.addInt(tb);
    call.addPointer(*c);
    call.addDim(*c, 1);           // ldc
    call.addInt(0);
    call.emit("dlc_k_sgemm");
    replaceOpWithBufferizedValues(rewriter, op, *c);
    return success();
  }
};

/// net.matmul_bias_act (x, w, bias): dlc_k_sgemm_bias_act(M, N, K, x, lda,
/// 0, w, ldb, 0, bias, y, ldc, act).
struct MatmulBiasActModel : KernelOpModel<MatmulBiasActModel, MatmulBiasActOp> {
  LogicalResult bufferize(Operation *o, RewriterBase &rewriter,
                          const BufferizationOptions &options) const {
    auto op = cast<MatmulBiasActOp>(o);
    auto type = cast<RankedTensorType>(op.getType());
    KernelCall call(rewriter, op, options);
    DLC_TRY(a, call.input(op.getLhs()));
    DLC_TRY(bm, call.input(op.getRhs()));
    DLC_TRY(bias, call.input(op.getBias()));
    SmallVector<std::pair<Value, int64_t>> dyn;
    if (type.isDynamicDim(0))
      dyn.push_back({*a, 0});
    if (type.isDynamicDim(1))
      dyn.push_back({*bm, 1});
    DLC_TRY(c, call.result(type, dyn));
    call.addDim(*a, 0);  // M
    call.addDim(*bm, 1); // N
    call.addDim(*a, 1);  // K
    call.addPointer(*a);
    call.addDim(*a, 1); // lda
    call.addInt(0);
    call.addPointer(*bm);
    call.addDim(*bm, 1); // ldb
    call.addInt(0);
    call.addPointer(*bias);
    call.addPointer(*c);
    call.addDim(*c, 1); // ldc
    call.addInt(op.getRelu() ? 1 : 0);
    call.emit("dlc_k_sgemm_bias_act");
    replaceOpWithBufferizedValues(rewriter, op, *c);
    return success();
  }
};

#undef DLC_TRY

} // namespace

void dlc::registerKernelCallInterfaces(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, NetDialect *) {
    ctx->loadDialect<LLVM::LLVMDialect, func::FuncDialect, memref::MemRefDialect,
                     arith::ArithDialect, linalg::LinalgDialect>();
    Conv2DOp::attachInterface<ConvModel<Conv2DOp>>(*ctx);
    Conv2DBiasActOp::attachInterface<ConvBiasActModel>(*ctx);
    Conv2DGradInputOp::attachInterface<ConvModel<Conv2DGradInputOp>>(*ctx);
    Conv2DGradFilterOp::attachInterface<ConvModel<Conv2DGradFilterOp>>(*ctx);
    Pool2DOp::attachInterface<PoolModel<Pool2DOp>>(*ctx);
    Pool2DGradOp::attachInterface<PoolModel<Pool2DGradOp>>(*ctx);
    MatmulOp::attachInterface<MatmulModel>(*ctx);
    MatmulBiasActOp::attachInterface<MatmulBiasActModel>(*ctx);
  });
}
