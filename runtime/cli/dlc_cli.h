//===- dlc_cli.h - The `dlc train` and `dlc predict` subcommands -*- C++ -*-===//
//
// The `dlc` driver dispatches `dlc train ...` and `dlc predict ...` here with
// argv[0] = "train" / "predict". Both return the process exit code: 0 on
// success, 1 for a bad input (one `dlc: error: ...` line on stderr), 2 for a
// usage error (plus a usage line), 128 + signal when training was interrupted
// by SIGINT/SIGTERM (after saving the checkpoint).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_CLI_DLC_CLI_H
#define DLC_CLI_DLC_CLI_H

int dlcTrainMain(int argc, char **argv);
int dlcPredictMain(int argc, char **argv);

#endif // DLC_CLI_DLC_CLI_H
