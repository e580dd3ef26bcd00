# lit configuration for dlc's compiler and end-to-end tests.
import os
import lit.formats

config.name = "dlc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.dlc_obj_root, "test")
config.excludes = ["lit.cfg.py", "lit.site.cfg.py.in", "CMakeLists.txt", "runtime", "Inputs"]

config.environment["PATH"] = os.pathsep.join(
    [config.dlc_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", os.environ["PATH"])])
config.substitutions.append(("%dlc_src", config.dlc_src_root))
config.substitutions.append(("%dlc_lib", config.dlc_lib_dir))
config.substitutions.append(("%dlc_include", os.path.join(config.dlc_src_root, "runtime", "include")))
config.substitutions.append(("%cc", config.c_compiler))
config.substitutions.append(("%cxx", config.cxx_compiler))

# --target cuda: `cuda-toolkit` when dlc was built with CUDA support and the
# toolkit's ptxas and fatbinary are there; `cuda-runtime` when runtime/cuda's
# libdlc_cuda_rt.a was built too (CUDA model libraries link it).
if config.dlc_enable_cuda.upper() in ("ON", "1", "TRUE", "YES") and all(
        os.access(os.path.join(config.cuda_root, "bin", tool), os.X_OK)
        for tool in ("ptxas", "fatbinary")):
    config.available_features.add("cuda-toolkit")
    config.environment["CUDA_HOME"] = config.cuda_root
    config.substitutions.append(("%cuda_root", config.cuda_root))
    if os.path.exists(os.path.join(config.dlc_lib_dir, "libdlc_cuda_rt.a")):
        config.available_features.add("cuda-runtime")
        # -I flags for compiling runtime/cuda sources (cuda.h, cudnn.h).
        config.substitutions.append(("%cuda_includes", " ".join(
            "-I" + d for d in dict.fromkeys(config.cuda_include_dirs.split(";")) if d)))

# Integration tests that run lowered MLIR on the host (mlir-cpu-runner from
# mlir-19-tools, the runner libraries from libmlir-19-dev).
llvm_lib_dir = os.path.join(os.path.dirname(config.llvm_tools_dir), "lib")
runner_libs = [os.path.join(llvm_lib_dir, lib) for lib in
               ("libmlir_runner_utils.so", "libmlir_c_runner_utils.so")]
if os.access(os.path.join(config.llvm_tools_dir, "mlir-cpu-runner"), os.X_OK) and \
        all(os.path.exists(lib) for lib in runner_libs):
    config.available_features.add("mlir-cpu-runner")
    config.substitutions.append(("%mlir_runner_libs", ",".join(runner_libs)))
