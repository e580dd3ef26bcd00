// dlc-train: `dlc train`, `dlc predict` and `dlc evaluate` without the
// compiler (runtime/cli only), for machines that run model libraries but
// have no LLVM/MLIR installed.
//   dlc-train NET.so --data ...                (the options of `dlc train`)
//   dlc-train predict NET.so --checkpoint ...  (the options of `dlc predict`)
//   dlc-train evaluate NET.so --checkpoint ... (the options of `dlc evaluate`)
#include "dlc_cli.h"

#include <cstring>
#include <string>
#include <vector>

int main(int argc, char **argv) {
  static char train[] = "train", predict[] = "predict", evaluate[] = "evaluate";
  int (*command)(int, char **) = dlcTrainMain;
  char *name = train;
  if (argc > 1 && std::strcmp(argv[1], predict) == 0)
    command = dlcPredictMain, name = predict;
  else if (argc > 1 && std::strcmp(argv[1], evaluate) == 0)
    command = dlcEvaluateMain, name = evaluate;
  const bool named = name != train;
  std::vector<char *> args(argv + (named ? 1 : 0), argv + argc);
  args[0] = name;
  args.push_back(nullptr);
  return command((int)args.size() - 1, args.data());
}
