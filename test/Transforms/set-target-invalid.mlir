// RUN: dlc-opt %s --dlc-set-target=target=tpu -verify-diagnostics

// expected-error @below {{unknown target 'tpu'}}
module {
}
