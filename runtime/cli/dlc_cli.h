//===- dlc_cli.h - The train, predict and report subcommands ----*- C++ -*-===//
//
// The `dlc` driver dispatches `dlc train ...`, `dlc predict ...`,
// `dlc evaluate ...` and `dlc report ...` here with argv[0] = the command. Each
// returns the process exit code: 0 on success, 1 for a bad input (one
// `dlc: error: ...` line on stderr), 2 for a usage error (plus a usage
// line), 128 + signal when training was interrupted by SIGINT/SIGTERM
// (after saving the checkpoint).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_CLI_DLC_CLI_H
#define DLC_CLI_DLC_CLI_H

int dlcTrainMain(int argc, char **argv);
int dlcPredictMain(int argc, char **argv);
int dlcReportMain(int argc, char **argv);
int dlcEvaluateMain(int argc, char **argv);

#endif // DLC_CLI_DLC_CLI_H
