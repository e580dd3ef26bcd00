// dlc-train: `dlc train` and `dlc predict` without the compiler (runtime/cli
// only), for machines that run model libraries but have no LLVM/MLIR
// installed.
//   dlc-train NET.so --data ...              (the options of `dlc train`)
//   dlc-train predict NET.so --checkpoint ... (the options of `dlc predict`)
#include "dlc_cli.h"

#include <cstring>
#include <string>
#include <vector>

int main(int argc, char **argv) {
  const bool predict = argc > 1 && std::strcmp(argv[1], "predict") == 0;
  std::vector<char *> args(argv + (predict ? 1 : 0), argv + argc);
  static char train[] = "train", predictName[] = "predict";
  args[0] = predict ? predictName : train;
  args.push_back(nullptr);
  return predict ? dlcPredictMain((int)args.size() - 1, args.data())
                 : dlcTrainMain((int)args.size() - 1, args.data());
}
