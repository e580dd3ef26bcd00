// dlc-train: `dlc train` without the compiler (runtime/cli only), for
// machines that run model libraries but have no LLVM/MLIR installed.
//   dlc-train NET.so --data ... (the options of `dlc train`)
#include "dlc_cli.h"

#include <string>
#include <vector>

int main(int argc, char **argv) {
  std::vector<char *> args(argv, argv + argc);
  static char train[] = "train";
  args[0] = train;
  args.push_back(nullptr);
  return dlcTrainMain(argc, args.data());
}
