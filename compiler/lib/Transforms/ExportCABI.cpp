//===- ExportCABI.cpp - net-export-c-abi and net-emit-descriptor ----------===//
//
// The generated library's C ABI (runtime/include/dlc/model_abi.h). The
// wrappers take plain pointers and the batch size, and build the memref
// descriptors of the `M.*_impl` functions with LLVM dialect ops; the casts
// back to memref types fold away when the module is lowered to LLVM. The
// descriptor data is emitted after that lowering, once the functions it
// points to are llvm.func ops.
//
//===----------------------------------------------------------------------===//

#include "MemRefOverPointer.h"
#include "dlc/Dialect/Net/NetOps.h"
#include "dlc/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

namespace dlc {
#define GEN_PASS_DEF_NETEXPORTCABI
#define GEN_PASS_DEF_NETEMITDESCRIPTOR
#include "dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;
using namespace dlc::net;

Value dlc::memrefOverPointer(OpBuilder &b, Location loc, Value ptr,
                             MemRefType type,
                             function_ref<Value(int64_t)> dynamicSize) {
  MLIRContext *ctx = b.getContext();
  auto i64 = b.getI64Type();
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  int64_t rank = type.getRank();
  SmallVector<Type> fields{ptrType, ptrType, i64};
  if (rank > 0) {
    auto arr = LLVM::LLVMArrayType::get(i64, rank);
    fields.append({arr, arr});
  }
  auto structType = LLVM::LLVMStructType::getLiteral(ctx, fields);
  auto cst = [&](int64_t v) -> Value {
    return b.create<LLVM::ConstantOp>(loc, i64, b.getI64IntegerAttr(v));
  };
  Value d = b.create<LLVM::UndefOp>(loc, structType);
  d = b.create<LLVM::InsertValueOp>(loc, d, ptr, ArrayRef<int64_t>{0});
  d = b.create<LLVM::InsertValueOp>(loc, d, ptr, ArrayRef<int64_t>{1});
  d = b.create<LLVM::InsertValueOp>(loc, d, cst(0), ArrayRef<int64_t>{2});
  // Row-major strides; the batch dimension is the outermost.
  Value stride = cst(1);
  for (int64_t i = rank - 1; i >= 0; --i) {
    Value size =
        type.isDynamicDim(i) ? dynamicSize(i) : cst(type.getDimSize(i));
    d = b.create<LLVM::InsertValueOp>(loc, d, size, ArrayRef<int64_t>{3, i});
    d = b.create<LLVM::InsertValueOp>(loc, d, stride, ArrayRef<int64_t>{4, i});
    stride = b.create<LLVM::MulOp>(loc, stride, size);
  }
  return b.create<UnrealizedConversionCastOp>(loc, type, d).getResult(0);
}

namespace {
constexpr int64_t kMaxRank = 6; // DLC_MAX_RANK

//===----------------------------------------------------------------------===//
// net-export-c-abi
//===----------------------------------------------------------------------===//

/// Builds a memref of `type` over `ptr`; its dynamic (batch) size is `batch`.
Value memrefFromPointer(OpBuilder &b, Location loc, Value ptr, MemRefType type,
                        Value batch) {
  return memrefOverPointer(b, loc, ptr, type, [&](int64_t) { return batch; });
}

/// What each C argument of a wrapper becomes. `Workspace` is the workspace
/// pointer where no impl argument is bound to it: dlc-plan-workspace gives
/// the impl functions their part of it once their buffers are known.
enum class Arg { Ptr, Batch, Scalar, Workspace };

/// Records on wrapper `fn` that C argument `arg` is the workspace and that
/// the impl functions' buffers may use it from byte `offset` on.
void markWorkspace(func::FuncOp fn, DescriptorOp desc, int64_t arg,
                   int64_t offset) {
  Builder b(fn.getContext());
  fn->setAttr(kWorkspaceAttr,
              b.getDictionaryAttr(
                  {b.getNamedAttr("model", desc.getSymNameAttr()),
                   b.getNamedAttr("arg", b.getI64IntegerAttr(arg)),
                   b.getNamedAttr("offset", b.getI64IntegerAttr(offset))}));
}

/// Adds `M_<suffix>` with the C signature `cArgs` calling `M.<suffix>_impl`.
/// `bind` maps each impl argument to the C argument it is built from. The
/// impl functions' own buffers may use the workspace from byte `wsOffset` on.
LogicalResult exportFunction(ModuleOp module, DescriptorOp desc, StringRef suffix,
                             ArrayRef<Arg> cArgs, ArrayRef<int> bind,
                             int64_t wsOffset = 0) {
  auto impl = module.lookupSymbol<func::FuncOp>(
      (desc.getSymName() + "." + suffix + "_impl").str());
  if (!impl)
    return desc.emitOpError("has no ") << suffix << "_impl function";
  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(module.getBody());
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  SmallVector<Type> argTypes;
  for (Arg a : cArgs)
    argTypes.push_back(a == Arg::Ptr || a == Arg::Workspace ? Type(ptrType)
                                                            : b.getI64Type());
  Location loc = desc.getLoc();
  auto fn = b.create<func::FuncOp>(
      loc, (desc.getSymName() + "_" + suffix).str(),
      b.getFunctionType(argTypes, impl.getFunctionType().getResults()));
  Block *entry = fn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Value batch;
  for (auto [i, a] : llvm::enumerate(cArgs))
    if (a == Arg::Batch)
      batch = entry->getArgument(i);
  SmallVector<Value> args;
  for (auto [i, from] : llvm::enumerate(bind)) {
    Type t = impl.getArgument(i).getType();
    Value arg = entry->getArgument(from);
    if (auto memref = dyn_cast<MemRefType>(t))
      args.push_back(memrefFromPointer(b, loc, arg, memref, batch));
    else
      args.push_back(arg);
  }
  auto call = b.create<func::CallOp>(loc, impl, args);
  b.create<func::ReturnOp>(loc, call.getResults());
  // The workspace is the last C argument of every entry point that takes
  // a batch.
  if (batch)
    markWorkspace(fn, desc, cArgs.size() - 1, wsOffset);
  return success();
}

/// M_activations(params, x, batch, acts, ws) calls M.activations_impl(params,
/// x, act_0, ...) where act_k is the [batch, ...] block at
/// acts + offset_k * batch (the descriptor's `activations`).
LogicalResult exportActivations(ModuleOp module, DescriptorOp desc) {
  auto impl = module.lookupSymbol<func::FuncOp>(
      (desc.getSymName() + ".activations_impl").str());
  if (!impl)
    return desc.emitOpError("has no activations_impl function");
  ArrayAttr acts = desc.getActivationsAttr();
  if (impl.getNumArguments() != 2 + acts.size())
    return desc.emitOpError("lists ")
           << acts.size() << " activations but activations_impl takes "
           << impl.getNumArguments() << " arguments (expected params, x and "
           << "one buffer per activation)";
  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(module.getBody());
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  auto i64 = b.getI64Type();
  Location loc = desc.getLoc();
  auto fn = b.create<func::FuncOp>(
      loc, (desc.getSymName() + "_activations").str(),
      b.getFunctionType({ptrType, ptrType, i64, ptrType, ptrType}, {}));
  Block *entry = fn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Value batch = entry->getArgument(2);
  auto memrefArg = [&](unsigned i, Value ptr) {
    return memrefFromPointer(b, loc, ptr,
                             cast<MemRefType>(impl.getArgument(i).getType()),
                             batch);
  };
  SmallVector<Value> args{memrefArg(0, entry->getArgument(0)),
                          memrefArg(1, entry->getArgument(1))};
  for (auto [k, attr] : llvm::enumerate(acts)) {
    auto dict = dyn_cast<DictionaryAttr>(attr);
    auto offset = dict ? dict.getAs<IntegerAttr>("offset") : IntegerAttr();
    if (!offset || !isa<MemRefType>(impl.getArgument(2 + k).getType()))
      return desc.emitOpError("activation #")
             << k << " has no offset or no buffer argument";
    Value scaled = b.create<LLVM::MulOp>(
        loc, batch,
        b.create<LLVM::ConstantOp>(loc, i64,
                                   b.getI64IntegerAttr(offset.getInt())));
    Value ptr = b.create<LLVM::GEPOp>(loc, ptrType, b.getF32Type(),
                                      entry->getArgument(3),
                                      ValueRange{scaled});
    args.push_back(memrefArg(2 + k, ptr));
  }
  b.create<func::CallOp>(loc, impl, args);
  b.create<func::ReturnOp>(loc);
  markWorkspace(fn, desc, /*arg=*/4, /*offset=*/0);
  return success();
}

struct NetExportCABIPass
    : public dlc::impl::NetExportCABIBase<NetExportCABIPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    using A = Arg;
    for (auto desc : llvm::to_vector(module.getOps<DescriptorOp>())) {
      // C signatures follow model_abi.h; `bind` lists, per impl argument,
      // the index of the C argument it comes from.
      bool ok =
          // init_params(params, seed)
          succeeded(exportFunction(module, desc, "init_params",
                                   {A::Ptr, A::Scalar}, {0, 1})) &&
          // forward(params, x, y, batch, ws)
          succeeded(exportFunction(module, desc, "forward",
                                   {A::Ptr, A::Ptr, A::Ptr, A::Batch, A::Workspace},
                                   {0, 1, 2})) &&
          // gradient(params, x, y, batch, grads, ws)
          succeeded(exportFunction(
              module, desc, "gradient",
              {A::Ptr, A::Ptr, A::Ptr, A::Batch, A::Ptr, A::Workspace},
              {0, 1, 2, 4})) &&
          // train_step(params, state, x, y, batch, step, y_pred, ws);
          // the workspace starts with the gradient buffer, and the
          // buffers of the step follow it on a cache line.
          succeeded(exportFunction(
              module, desc, "train_step",
              {A::Ptr, A::Ptr, A::Ptr, A::Ptr, A::Batch, A::Scalar, A::Ptr,
               A::Ptr},
              {0, 1, 2, 3, 5, 6, 7},
              llvm::alignTo(desc.getWorkspaceFixedBytes(), kWorkspaceAlign))) &&
          // eval_step(params, x, y, batch, y_pred, ws)
          succeeded(exportFunction(
              module, desc, "eval_step",
              {A::Ptr, A::Ptr, A::Ptr, A::Batch, A::Ptr, A::Workspace},
              {0, 1, 2, 4}));
      // activations(params, x, batch, acts, ws), when the model has layer
      // outputs to report.
      if (ok && desc.getActivationsAttr())
        ok = succeeded(exportActivations(module, desc));
      if (!ok)
        return signalPassFailure();
    }
  }
};

//===----------------------------------------------------------------------===//
// net-emit-descriptor
//===----------------------------------------------------------------------===//

class DescriptorEmitter {
public:
  explicit DescriptorEmitter(ModuleOp module)
      : module(module), ctx(module.getContext()), b(ctx),
        loc(module.getLoc()) {
    ptrType = LLVM::LLVMPointerType::get(ctx);
    i64 = b.getI64Type();
    f64 = b.getF64Type();
    auto shape = LLVM::LLVMArrayType::get(i64, kMaxRank);
    // dlc_param_desc
    paramType = LLVM::LLVMStructType::getLiteral(
        ctx, {ptrType, i64, shape, i64, i64, i64, f64, f64, f64});
    // dlc_activation_desc
    activationType = LLVM::LLVMStructType::getLiteral(
        ctx, {ptrType, i64, shape, i64, i64});
    // dlc_model_desc
    SmallVector<Type> fields{i64, ptrType, i64, shape, i64, shape,
                             i64, ptrType, i64, i64, i64, i64, i64, i64};
    fields.append(6, f64);
    fields.push_back(i64);
    fields.append(5, ptrType);
    fields.push_back(i64); // device
    // num_activations, activation_descs, activation_floats, activations
    fields.append({i64, ptrType, i64, ptrType});
    modelType = LLVM::LLVMStructType::getLiteral(ctx, fields);
    b.setInsertionPointToEnd(module.getBody());
  }

  LogicalResult run() {
    SmallVector<std::string> descNames;
    for (auto desc : llvm::to_vector(module.getOps<DescriptorOp>())) {
      loc = desc.getLoc();
      if (failed(emit(desc)))
        return failure();
      descNames.push_back((desc.getSymName() + ".desc").str());
      desc.erase();
    }
    // dlc_models: a null-terminated array of descriptor pointers.
    auto arrType = LLVM::LLVMArrayType::get(ptrType, descNames.size() + 1);
    auto table = globalWithInit("dlc_models.table", arrType, [&]() -> Value {
      Value v = b.create<LLVM::UndefOp>(loc, arrType);
      for (auto [i, name] : llvm::enumerate(descNames))
        v = b.create<LLVM::InsertValueOp>(loc, v, addressOf(name),
                                          ArrayRef<int64_t>{int64_t(i)});
      return b.create<LLVM::InsertValueOp>(
          loc, v, b.create<LLVM::ZeroOp>(loc, ptrType),
          ArrayRef<int64_t>{int64_t(descNames.size())});
    });
    returnAddressOf("dlc_models", table.getSymName());
    // Internal helpers are not part of the ABI. The workspace marks are
    // spent (dlc-plan-workspace removes them; a pipeline without it
    // leaves them).
    for (auto fn : module.getOps<LLVM::LLVMFuncOp>()) {
      if (!fn.isExternal() && fn.getSymName().contains('.'))
        fn.setLinkage(LLVM::Linkage::Internal);
      fn->removeAttr(kWorkspaceAttr);
    }
    return success();
  }

private:
  Value addressOf(StringRef name) {
    return b.create<LLVM::AddressOfOp>(loc, ptrType, name);
  }
  Value cstI(int64_t v) { return b.create<LLVM::ConstantOp>(loc, i64, b.getI64IntegerAttr(v)); }
  Value cstF(double v) { return b.create<LLVM::ConstantOp>(loc, f64, b.getF64FloatAttr(v)); }

  LLVM::GlobalOp globalWithInit(StringRef name, Type type,
                                function_ref<Value()> init) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(module.getBody());
    auto global = b.create<LLVM::GlobalOp>(loc, type, /*isConstant=*/true,
                                           LLVM::Linkage::Internal, name,
                                           Attribute());
    Block *block = b.createBlock(&global.getInitializerRegion());
    b.setInsertionPointToStart(block);
    b.create<LLVM::ReturnOp>(loc, init());
    return global;
  }

  std::string stringGlobal(StringRef name, StringRef value) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(module.getBody());
    std::string data = value.str();
    data.push_back('\0');
    auto type = LLVM::LLVMArrayType::get(b.getI8Type(), data.size());
    b.create<LLVM::GlobalOp>(loc, type, /*isConstant=*/true,
                             LLVM::Linkage::Internal, name,
                             b.getStringAttr(data));
    return name.str();
  }

  void returnAddressOf(StringRef fnName, StringRef global) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(module.getBody());
    auto fn = b.create<LLVM::LLVMFuncOp>(
        loc, fnName, LLVM::LLVMFunctionType::get(ptrType, {}));
    b.setInsertionPointToStart(fn.addEntryBlock(b));
    b.create<LLVM::ReturnOp>(loc, addressOf(global));
  }

  Value insertShape(Value agg, ArrayRef<int64_t> shape, int64_t rankField) {
    agg = b.create<LLVM::InsertValueOp>(loc, agg, cstI(shape.size()),
                                        ArrayRef<int64_t>{rankField});
    for (int64_t i = 0; i < kMaxRank; ++i)
      agg = b.create<LLVM::InsertValueOp>(
          loc, agg, cstI(i < int64_t(shape.size()) ? shape[i] : 0),
          ArrayRef<int64_t>{rankField + 1, i});
    return agg;
  }

  LogicalResult emit(DescriptorOp desc) {
    StringRef m = desc.getSymName();
    if (desc.getInputShape().size() > kMaxRank ||
        desc.getOutputShape().size() > kMaxRank)
      return desc.emitOpError("rank above ") << kMaxRank;
    for (StringRef fn : {"init_params", "forward", "gradient", "train_step",
                         "eval_step"})
      if (!module.lookupSymbol<LLVM::LLVMFuncOp>((m + "_" + fn).str()))
        return desc.emitOpError("has no lowered ") << m << "_" << fn
                                                   << " (run net-export-c-abi "
                                                      "and the LLVM lowering first)";
    std::string name = stringGlobal((m + ".name").str(), m);
    ArrayAttr params = desc.getParams();
    SmallVector<std::string> paramNames;
    for (auto [i, attr] : llvm::enumerate(params)) {
      auto dict = cast<DictionaryAttr>(attr);
      paramNames.push_back(stringGlobal((m + ".param" + Twine(i)).str(),
                                        cast<StringAttr>(dict.get("name")).getValue()));
    }
    auto paramsArr = LLVM::LLVMArrayType::get(paramType, std::max<size_t>(params.size(), 1));
    auto paramTable = globalWithInit((m + ".params").str(), paramsArr, [&]() -> Value {
      Value arr = b.create<LLVM::ZeroOp>(loc, paramsArr);
      for (auto [i, attr] : llvm::enumerate(params)) {
        auto dict = cast<DictionaryAttr>(attr);
        auto num = [&](StringRef k) { return cast<IntegerAttr>(dict.get(k)).getInt(); };
        auto real = [&](StringRef k) { return cast<FloatAttr>(dict.get(k)).getValueAsDouble(); };
        Value p = b.create<LLVM::UndefOp>(loc, paramType);
        p = b.create<LLVM::InsertValueOp>(loc, p, addressOf(paramNames[i]), ArrayRef<int64_t>{0});
        p = insertShape(p, cast<DenseI64ArrayAttr>(dict.get("shape")).asArrayRef(), 1);
        p = b.create<LLVM::InsertValueOp>(loc, p, cstI(num("offset")), ArrayRef<int64_t>{3});
        p = b.create<LLVM::InsertValueOp>(loc, p, cstI(num("size")), ArrayRef<int64_t>{4});
        p = b.create<LLVM::InsertValueOp>(loc, p, cstI(num("init")), ArrayRef<int64_t>{5});
        p = b.create<LLVM::InsertValueOp>(loc, p, cstF(real("init_a")), ArrayRef<int64_t>{6});
        p = b.create<LLVM::InsertValueOp>(loc, p, cstF(real("init_b")), ArrayRef<int64_t>{7});
        p = b.create<LLVM::InsertValueOp>(loc, p, cstF(real("decay")), ArrayRef<int64_t>{8});
        arr = b.create<LLVM::InsertValueOp>(loc, arr, p, ArrayRef<int64_t>{int64_t(i)});
      }
      return arr;
    });
    DictionaryAttr hp = desc.getHparams();
    auto hnum = [&](StringRef k) { return cast<IntegerAttr>(hp.get(k)).getInt(); };
    auto hreal = [&](StringRef k) { return cast<FloatAttr>(hp.get(k)).getValueAsDouble(); };
    // The layer outputs M_activations writes (none: zeros and nulls).
    ArrayAttr acts = desc.getActivationsAttr();
    int64_t activationFloats = 0;
    SmallVector<std::string> actNames;
    if (acts) {
      if (acts.empty())
        return desc.emitOpError("has an empty activations array (omit it "
                                "when the model has no M_activations)");
      if (!module.lookupSymbol<LLVM::LLVMFuncOp>((m + "_activations").str()))
        return desc.emitOpError("has no lowered ")
               << m << "_activations (run net-export-c-abi and the LLVM "
                       "lowering first)";
      for (auto [i, attr] : llvm::enumerate(acts)) {
        auto dict = dyn_cast<DictionaryAttr>(attr);
        auto name = dict ? dict.getAs<StringAttr>("name") : StringAttr();
        auto shape = dict ? dict.getAs<DenseI64ArrayAttr>("shape")
                          : DenseI64ArrayAttr();
        auto offset = dict ? dict.getAs<IntegerAttr>("offset") : IntegerAttr();
        auto size = dict ? dict.getAs<IntegerAttr>("size") : IntegerAttr();
        if (!name || !shape || !offset || !size)
          return desc.emitOpError("activation #")
                 << i << " is not a dictionary of name, shape, offset and size";
        if (shape.size() < 1 || shape.size() > kMaxRank)
          return desc.emitOpError("activation #")
                 << i << " has rank " << shape.size() << ", expected 1 to "
                 << kMaxRank;
        if (offset.getInt() != activationFloats || size.getInt() < 1)
          return desc.emitOpError("activation #")
                 << i << " is not laid out after the previous one (offset "
                 << offset.getInt() << ", size " << size.getInt()
                 << ", expected offset " << activationFloats << ")";
        activationFloats += size.getInt();
        actNames.push_back(stringGlobal((m + ".activation" + Twine(i)).str(),
                                        name.getValue()));
      }
      auto arr = LLVM::LLVMArrayType::get(activationType, acts.size());
      globalWithInit((m + ".activations").str(), arr, [&]() -> Value {
        Value v = b.create<LLVM::ZeroOp>(loc, arr);
        for (auto [i, attr] : llvm::enumerate(acts)) {
          auto dict = cast<DictionaryAttr>(attr);
          Value a = b.create<LLVM::UndefOp>(loc, activationType);
          a = b.create<LLVM::InsertValueOp>(loc, a, addressOf(actNames[i]),
                                            ArrayRef<int64_t>{0});
          a = insertShape(a, dict.getAs<DenseI64ArrayAttr>("shape").asArrayRef(),
                          1);
          a = b.create<LLVM::InsertValueOp>(
              loc, a, cstI(dict.getAs<IntegerAttr>("offset").getInt()),
              ArrayRef<int64_t>{3});
          a = b.create<LLVM::InsertValueOp>(
              loc, a, cstI(dict.getAs<IntegerAttr>("size").getInt()),
              ArrayRef<int64_t>{4});
          v = b.create<LLVM::InsertValueOp>(loc, v, a,
                                            ArrayRef<int64_t>{int64_t(i)});
        }
        return v;
      });
    }
    std::string descName = (m + ".desc").str();
    // `dlc.target = "cuda"` on the module: the functions take CUDA memory.
    int64_t device = 0;
    if (auto target = module->getAttrOfType<StringAttr>("dlc.target"))
      device = target.getValue() == "cuda" ? 1 : 0;
    globalWithInit(descName, modelType, [&]() -> Value {
      int64_t f = 0;
      Value d = b.create<LLVM::UndefOp>(loc, modelType);
      auto put = [&](Value v) {
        d = b.create<LLVM::InsertValueOp>(loc, d, v, ArrayRef<int64_t>{f++});
      };
      put(cstI(3)); // DLC_ABI_VERSION
      put(addressOf(name));
      d = insertShape(d, desc.getInputShape(), f);
      f += 2;
      d = insertShape(d, desc.getOutputShape(), f);
      f += 2;
      put(cstI(params.size()));
      put(addressOf(paramTable.getSymName()));
      put(cstI(desc.getParamFloats()));
      put(cstI(desc.getOptStateFloats()));
      put(cstI(desc.getWorkspaceFixedBytes()));
      put(cstI(desc.getWorkspacePerExampleBytes()));
      put(cstI(hnum("optimizer")));
      put(cstI(hnum("loss")));
      for (StringRef k : {"learning_rate", "momentum", "beta1", "beta2",
                          "epsilon", "clip_norm"})
        put(cstF(hreal(k)));
      put(cstI(desc.getFingerprint()));
      for (StringRef fn : {"init_params", "forward", "gradient", "train_step",
                           "eval_step"})
        put(addressOf((m + "_" + fn).str()));
      put(cstI(device));
      if (acts) {
        put(cstI(acts.size()));
        put(addressOf((m + ".activations").str()));
        put(cstI(activationFloats));
        put(addressOf((m + "_activations").str()));
      } else {
        put(cstI(0));
        put(b.create<LLVM::ZeroOp>(loc, ptrType));
        put(cstI(0));
        put(b.create<LLVM::ZeroOp>(loc, ptrType));
      }
      return d;
    });
    returnAddressOf((m + "_describe").str(), descName);
    return success();
  }

  ModuleOp module;
  MLIRContext *ctx;
  OpBuilder b;
  Location loc;
  Type ptrType, i64, f64;
  LLVM::LLVMStructType paramType, activationType, modelType;
};

struct NetEmitDescriptorPass
    : public dlc::impl::NetEmitDescriptorBase<NetEmitDescriptorPass> {
  void runOnOperation() override {
    if (failed(DescriptorEmitter(getOperation()).run()))
      signalPassFailure();
  }
};
} // namespace
