// REQUIRES: cuda-toolkit
// RUN: dlc-opt %s --dlc-gpu-fatbin -verify-diagnostics

module attributes {gpu.container_module} {
  // expected-error-re @below {{for sm_80: ptxas failed: {{.*}}}}
  gpu.binary @broken [#gpu.object<#nvvm.target<chip = "sm_80">, assembly = ".version 8.0\0A.target sm_80\0Anot ptx\0A">]
}
