// RUN: dlc-opt %s --dlc-gpu-fatbin=toolkit=/nonexistent --split-input-file -verify-diagnostics

module attributes {gpu.container_module} {
  // expected-error @below {{holds an object that is not NVVM assembly (PTX)}}
  gpu.binary @cubin [#gpu.object<#nvvm.target<chip = "sm_90">, bin = "">]
}

// -----

module attributes {gpu.container_module} {
  // expected-error @below {{needs the CUDA toolkit: cannot find '/nonexistent/bin/ptxas' (set CUDA_HOME)}}
  gpu.binary @ptx [#gpu.object<#nvvm.target<chip = "sm_90">, assembly = "">]
}

// -----

module attributes {gpu.container_module} {
  // expected-error @below {{targets 'compute_90', not an sm_ chip}}
  gpu.binary @virtual [#gpu.object<#nvvm.target<chip = "compute_90">, assembly = "">]
}
