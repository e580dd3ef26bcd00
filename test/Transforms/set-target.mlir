// RUN: dlc-opt %s --dlc-set-target=target=cuda | FileCheck %s
// RUN: dlc-opt %s --dlc-set-target | FileCheck %s --check-prefix=CPU

// CHECK: module attributes {dlc.target = "cuda"}
// CPU: module attributes {dlc.target = "cpu"}
module {
}
