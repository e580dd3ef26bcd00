//===- Model.cpp - Loading model libraries and checking descriptors -------===//
//
// A model library exports `dlc_models`, a null-terminated list of
// descriptors (model_abi.h). Everything the runtime later relies on is
// checked here, once, so that the trainer can trust the descriptor.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <cerrno>
#include <cstdio>
#include <dlfcn.h>
#include <elf.h>
#include <memory>
#include <sys/stat.h>

using namespace dlc::rt;

namespace {

dlc_status checkShape(const char *where, const char *model, const char *what,
                      int64_t rank, const int64_t *shape) {
  if (rank < 1 || rank > DLC_MAX_RANK)
    return setError(DLC_ERR_MODEL,
                    "%s: model '%s' has a bad descriptor: %s rank %lld is "
                    "outside [1, %d]",
                    where, model, what, (long long)rank, DLC_MAX_RANK);
  if (shape[0] != -1)
    return setError(DLC_ERR_MODEL,
                    "%s: model '%s' has a bad descriptor: %s dimension 0 is "
                    "%lld, expected -1 (the batch)",
                    where, model, what, (long long)shape[0]);
  for (int64_t i = 1; i < rank; ++i)
    if (shape[i] < 1 || shape[i] > (int64_t(1) << 31))
      return setError(DLC_ERR_MODEL,
                      "%s: model '%s' has a bad descriptor: %s dimension %lld "
                      "is %lld",
                      where, model, what, (long long)i, (long long)shape[i]);
  return DLC_OK;
}

/// Checks what the runtime relies on; `where` names the library.
dlc_status checkDesc(const dlc_model_desc *d, const char *where) {
  if (!d)
    return setError(DLC_ERR_MODEL, "%s: null model descriptor", where);
  const char *name = d->name ? d->name : "?";
  if (d->abi_version != DLC_ABI_VERSION)
    return setError(DLC_ERR_ABI,
                    "%s: model '%s' was built for dlc ABI version %lld; this "
                    "runtime supports version %d (recompile the model with "
                    "this dlc)",
                    where, name, (long long)d->abi_version, DLC_ABI_VERSION);
  if (!d->name || !*d->name)
    return setError(DLC_ERR_MODEL, "%s: model descriptor without a name",
                    where);
  if (dlc_status s = checkShape(where, name, "input", d->input_rank,
                                d->input_shape))
    return s;
  if (dlc_status s = checkShape(where, name, "output", d->output_rank,
                                d->output_shape))
    return s;
  if (d->param_floats < 0 || d->opt_state_floats < 0 ||
      d->workspace_fixed_bytes < 0 || d->workspace_per_example_bytes < 0 ||
      d->num_params < 0 || (d->num_params > 0 && !d->params))
    return setError(DLC_ERR_MODEL,
                    "%s: model '%s' has a bad descriptor: negative sizes or "
                    "missing parameter table",
                    where, name);
  for (int64_t i = 0; i < d->num_params; ++i) {
    const dlc_param_desc &p = d->params[i];
    if (p.offset < 0 || p.size < 0 || p.offset + p.size > d->param_floats)
      return setError(DLC_ERR_MODEL,
                      "%s: model '%s' has a bad descriptor: parameter '%s' "
                      "[%lld, %lld) lies outside the %lld parameter floats",
                      where, name, p.name ? p.name : "?", (long long)p.offset,
                      (long long)(p.offset + p.size),
                      (long long)d->param_floats);
  }
  if (!d->init_params || !d->forward || !d->train_step || !d->eval_step)
    return setError(DLC_ERR_MODEL,
                    "%s: model '%s' has a bad descriptor: missing "
                    "init_params, forward, train_step or eval_step",
                    where, name);
  if (d->device != DLC_DEVICE_CPU && d->device != DLC_DEVICE_CUDA)
    return setError(DLC_ERR_MODEL,
                    "%s: model '%s' has a bad descriptor: unknown device %lld",
                    where, name, (long long)d->device);
  return DLC_OK;
}

/// A device model's library functions (dlc/cuda_abi.h): from the library's
/// handle, or from the process (RTLD_DEFAULT) for an app that links the
/// library. Starts the device; DLC_ERR_DEVICE when it is not available.
dlc_status attachDevice(dlc_model &m, void *handle, const char *where) {
  const char *missing = nullptr;
  // Optional symbols (those libraries built before CUDA graphs lack) may be
  // missing; the first missing required one is reported.
  auto find = [&](auto &fn, const char *symbol, bool required = true) {
    void *sym = dlsym(handle ? handle : RTLD_DEFAULT, symbol);
    if (!sym && required && !missing)
      missing = symbol;
    std::memcpy(&fn, &sym, sizeof sym);
  };
  dlc::rt::DeviceApi &api = m.deviceApi;
  find(api.init, "dlc_cuda_init");
  find(api.alloc, "dlc_cuda_alloc");
  find(api.free, "dlc_cuda_free");
  find(api.memcpy, "dlc_cuda_memcpy");
  find(api.synchronize, "dlc_cuda_synchronize");
  find(api.lastError, "dlc_cuda_last_error");
  find(api.graphCapture, "dlc_cuda_graph_capture", false);
  find(api.graphLaunch, "dlc_cuda_graph_launch", false);
  find(api.graphDestroy, "dlc_cuda_graph_destroy", false);
  find(api.hostAlloc, "dlc_cuda_host_alloc", false);
  find(api.hostFree, "dlc_cuda_host_free", false);
  find(api.upload, "dlc_cuda_upload", false);
  find(api.uploadWait, "dlc_cuda_upload_wait", false);
  find(api.copyAsync, "dlc_cuda_copy_async", false);
  find(m.trainStepGraph,
       (std::string(m.desc->name) + "_train_step_graph").c_str(), false);
  if (missing)
    return setError(DLC_ERR_MODEL,
                    "%s: model '%s' is compiled for CUDA, but its library "
                    "does not export %s (it must link dlc's CUDA runtime, "
                    "libdlc_cuda_rt.a)",
                    where, m.desc->name, missing);
  char message[1024] = "";
  if (api.init(message, sizeof message) != 0)
    return setError(DLC_ERR_DEVICE,
                    "%s was compiled for CUDA, but no CUDA device is "
                    "available: %s",
                    where, message[0] ? message : "unknown error");
  m.device = &api;
  return DLC_OK;
}

dlc_status makeModel(const dlc_model_desc *desc, void *handle,
                     const char *where, dlc_model **out) {
  auto m = std::make_unique<dlc_model>();
  m->handle = handle;
  m->desc = desc;
  m->inputWidth = exampleWidth(desc->input_rank, desc->input_shape);
  m->outputWidth = exampleWidth(desc->output_rank, desc->output_shape);
  if (desc->device == DLC_DEVICE_CUDA)
    if (dlc_status s = attachDevice(*m, handle, where))
      return s;
  *out = m.release();
  return DLC_OK;
}

/// dlopen maps a shared library's segments from the file: one cut short (a
/// partial copy or download) would fault with SIGBUS when the loader
/// touches the missing pages. A 64-bit ELF file's program headers and
/// loadable segments must lie within its `size` bytes; anything else (not
/// ELF, another class) is left to dlopen's own message.
dlc_status checkElfExtent(const char *path, const std::string &loadPath,
                          uint64_t size) {
  std::unique_ptr<FILE, int (*)(FILE *)> f(std::fopen(loadPath.c_str(), "rb"),
                                           &std::fclose);
  if (!f)
    return setError(DLC_ERR_IO, "%s: cannot open: %s", path,
                    std::strerror(errno));
  Elf64_Ehdr eh;
  if (std::fread(&eh, 1, sizeof eh, f.get()) != sizeof eh ||
      std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
      eh.e_ident[EI_CLASS] != ELFCLASS64)
    return DLC_OK;
  auto truncated = [&](uint64_t begin, uint64_t end, const char *what) {
    return setError(DLC_ERR_MODEL,
                    "%s: offset %llu: the file ends inside the %s (bytes "
                    "%llu to %llu; a truncated copy of a model library?)",
                    path, (unsigned long long)size, what,
                    (unsigned long long)begin, (unsigned long long)end);
  };
  if (eh.e_phentsize != sizeof(Elf64_Phdr) ||
      eh.e_phoff > size || eh.e_phnum > (size - eh.e_phoff) / sizeof(Elf64_Phdr))
    return truncated(eh.e_phoff,
                     eh.e_phoff + (uint64_t)eh.e_phnum * eh.e_phentsize,
                     "program headers");
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    if (std::fseek(f.get(), (long)(eh.e_phoff + i * sizeof ph), SEEK_SET) != 0 ||
        std::fread(&ph, 1, sizeof ph, f.get()) != sizeof ph)
      return truncated(eh.e_phoff + i * sizeof ph,
                       eh.e_phoff + (i + 1) * sizeof ph, "program headers");
    if (ph.p_type == PT_LOAD &&
        (ph.p_offset > size || ph.p_filesz > size - ph.p_offset))
      return truncated(ph.p_offset, ph.p_offset + ph.p_filesz,
                       "code and data the loader maps");
  }
  return DLC_OK;
}

/// dlerror() often starts with the path again; drop it to keep one location.
std::string dlMessage(const std::string &path) {
  const char *raw = dlerror();
  std::string msg = raw ? raw : "unknown dlopen error";
  if (msg.compare(0, path.size() + 2, path + ": ") == 0)
    msg.erase(0, path.size() + 2);
  return msg;
}

} // namespace

dlc_status dlc_model_open(const char *path, dlc_model **out) {
  return dlc_model_open_named(path, nullptr, out);
}

dlc_status dlc_model_open_named(const char *path, const char *name,
                                dlc_model **out) {
  return guarded([&]() -> dlc_status {
    if (!path || !*path || !out) {
      if (out)
        *out = nullptr;
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_model_open: %s", path && !*path
                                                ? "empty path"
                                                : "null argument");
    }
    *out = nullptr;
    struct stat st;
    if (stat(path, &st) != 0)
      return setError(DLC_ERR_IO, "%s: cannot open: %s", path,
                      std::strerror(errno));
    if (S_ISDIR(st.st_mode))
      return setError(DLC_ERR_IO, "%s: cannot open: Is a directory", path);
    // Without a slash dlopen would search the library path, not the cwd.
    std::string loadPath = std::strchr(path, '/') ? path : "./" + std::string(path);
    if (dlc_status s = checkElfExtent(path, loadPath, (uint64_t)st.st_size))
      return s;
    void *handle = dlopen(loadPath.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle)
      return setError(DLC_ERR_MODEL, "%s: cannot load: %s", path,
                      dlMessage(loadPath).c_str());
    auto closeOnError = [&](dlc_status s) {
      dlclose(handle);
      return s;
    };
    void *sym = dlsym(handle, "dlc_models");
    if (!sym)
      return closeOnError(setError(
          DLC_ERR_MODEL,
          "%s: not a dlc model library (no 'dlc_models' symbol; build it "
          "with 'dlc compile')",
          path));
    dlc_models_fn listModels;
    std::memcpy(&listModels, &sym, sizeof sym);
    const dlc_model_desc *const *models = listModels();
    if (!models || !models[0])
      return closeOnError(
          setError(DLC_ERR_MODEL, "%s: the library lists no models", path));
    const dlc_model_desc *chosen = nullptr;
    std::string available;
    for (const dlc_model_desc *const *m = models; *m; ++m) {
      const char *mName = (*m)->name ? (*m)->name : "?";
      if (!name || std::strcmp(mName, name) == 0) {
        chosen = *m;
        break;
      }
      available += (available.empty() ? "" : ", ") + std::string(mName);
    }
    if (!chosen)
      return closeOnError(setError(DLC_ERR_MODEL,
                                   "%s: no model named '%s' (the library has: "
                                   "%s)",
                                   path, name, available.c_str()));
    if (dlc_status s = checkDesc(chosen, path))
      return closeOnError(s);
    if (dlc_status s = makeModel(chosen, handle, path, out))
      return closeOnError(s);
    return DLC_OK;
  });
}

dlc_status dlc_model_from_desc(const dlc_model_desc *desc, dlc_model **out) {
  return guarded([&]() -> dlc_status {
    if (!out || !desc) {
      if (out)
        *out = nullptr;
      return setError(DLC_ERR_INVALID_ARGUMENT,
                      "dlc_model_from_desc: null argument");
    }
    *out = nullptr;
    if (dlc_status s = checkDesc(desc, "dlc_model_from_desc"))
      return s;
    return makeModel(desc, nullptr, "dlc_model_from_desc", out);
  });
}

void dlc_model_close(dlc_model *model) {
  if (!model)
    return;
  if (model->handle)
    dlclose(model->handle);
  delete model;
}

const dlc_model_desc *dlc_model_get_desc(const dlc_model *model) {
  return model ? model->desc : nullptr;
}
int64_t dlc_model_input_width(const dlc_model *model) {
  return model ? model->inputWidth : 0;
}
int64_t dlc_model_output_width(const dlc_model *model) {
  return model ? model->outputWidth : 0;
}
int dlc_model_has_accuracy(const dlc_model *model) {
  if (!model)
    return 0;
  if (model->desc->loss == DLC_LOSS_BINARY_CROSSENTROPY)
    return 2;
  return model->outputWidth > 1 &&
         (model->desc->loss == DLC_LOSS_CATEGORICAL_CROSSENTROPY ||
          model->desc->loss == DLC_LOSS_SOFTMAX_CATEGORICAL_CROSSENTROPY);
}

const char *dlc_optimizer_display_name(int64_t optimizer) {
  switch (optimizer) {
  case DLC_OPT_SGD: return "SGD";
  case DLC_OPT_MOMENTUM: return "Momentum";
  case DLC_OPT_ADAM: return "Adam";
  case DLC_OPT_NESTEROV: return "Nesterov";
  case DLC_OPT_RMSPROP: return "RMSProp";
  case DLC_OPT_ADAGRAD: return "AdaGrad";
  }
  return "Optimizer";
}

namespace {
/// The kernel library's thread setters in the model's library, if any: the
/// opened library's, or for an app that links the library (no handle) the
/// one its descriptor lives in.
template <typename Fn> Fn kernelSymbol(const dlc_model *model, const char *name) {
  void *sym = nullptr;
  if (model->handle) {
    sym = dlsym(model->handle, name);
  } else {
    Dl_info info;
    if (dladdr(model->desc, &info) && info.dli_fname)
      if (void *library = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD)) {
        sym = dlsym(library, name);
        dlclose(library); // RTLD_NOLOAD took a reference of its own
      }
  }
  Fn fn = nullptr;
  std::memcpy(&fn, &sym, sizeof sym);
  return fn;
}
} // namespace

dlc_status dlc_model_set_threads(dlc_model *model, int64_t n) {
  if (!model)
    return setError(DLC_ERR_INVALID_ARGUMENT,
                    "dlc_model_set_threads: null model");
  if (auto set = kernelSymbol<void (*)(int64_t)>(model, "dlc_k_set_num_threads"))
    set(n);
  return DLC_OK;
}

int64_t dlc_model_get_threads(const dlc_model *model) {
  if (!model)
    return 1;
  auto get = kernelSymbol<int64_t (*)(void)>(model, "dlc_k_get_num_threads");
  return get ? get() : 1;
}
