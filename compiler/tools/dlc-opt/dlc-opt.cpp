//===- dlc-opt.cpp - Runs dlc's and MLIR's passes on .mlir files ----------===//

#include "dlc/Pipeline.h"

#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  dlc::registerPassesAndPipelines();
  mlir::DialectRegistry registry;
  dlc::registerDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "dlc optimizer driver\n", registry));
}
