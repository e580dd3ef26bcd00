//===- CheckpointTest.cpp - Checkpoint format, validation, atomicity ------===//

#include "TestSupport.h"

#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <mutex>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <thread>

using namespace dlc::test;

namespace {

/// Trains `epochs` epochs of the OR gate (no log) so that parameters,
/// optimizer state and counters are all non-trivial.
void trainOrGate(dlc_trainer *t, int64_t epochs, int64_t batch = 3) {
  DatasetPtr data = orGate();
  dlc_train_options o;
  dlc_train_options_init(&o);
  o.epochs = epochs;
  o.batch_size = batch;
  ASSERT_EQ(dlc_trainer_train(t, data.get(), nullptr, &o, nullptr), DLC_OK)
      << dlc_last_error();
}

std::vector<float> floats(const float *p, int64_t n) {
  return std::vector<float>(p, p + n);
}

class CheckpointTest : public ::testing::Test {
protected:
  void SetUp() override {
    model = openFixture("linear_model");
    ASSERT_TRUE(model);
    trainer = makeTrainer(model.get(), 3);
    trainOrGate(trainer.get(), 2);
    ASSERT_EQ(dlc_trainer_save(trainer.get(), path.c_str()), DLC_OK)
        << dlc_last_error();
    bytes = readFile(path);
  }
  /// Loads `contents` (as x.ckpt) into a fresh trainer; checks that a
  /// failure leaves the trainer untouched.
  dlc_status loadBytes(const std::string &contents) {
    std::string other = dir.file("x.ckpt");
    writeFile(other, contents);
    TrainerPtr fresh = makeTrainer(model.get(), 7);
    std::vector<float> before = floats(dlc_trainer_params(fresh.get()), 3);
    dlc_status s = dlc_trainer_load(fresh.get(), other.c_str());
    if (s != DLC_OK) {
      EXPECT_EQ(floats(dlc_trainer_params(fresh.get()), 3), before);
      EXPECT_EQ(dlc_trainer_global_step(fresh.get()), 0);
    }
    return s;
  }
  std::string error() const { return dlc_last_error(); }

  TempDir dir;
  std::string path = dir.file("linear.ckpt"), x = dir.file("x.ckpt");
  ModelPtr model;
  TrainerPtr trainer;
  std::string bytes;
};

TEST_F(CheckpointTest, Crc32CheckValue) {
  EXPECT_EQ(dlc_crc32(0, "123456789", 9), 0xCBF43926u);
  EXPECT_EQ(dlc_crc32(dlc_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
  // Every length, through the 8-bytes-at-a-time path and the tail, against
  // a bit-at-a-time CRC.
  std::string text;
  for (int i = 0; i < 300; ++i)
    text.push_back((char)(i * 13 + 5));
  for (size_t len = 0; len <= text.size(); ++len) {
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; ++i) {
      crc ^= (unsigned char)text[i];
      for (int k = 0; k < 8; ++k)
        crc = (crc >> 1) ^ ((crc & 1) ? 0xEDB88320u : 0u);
    }
    EXPECT_EQ(dlc_crc32(0, text.data(), len), ~crc) << len;
  }
}

TEST_F(CheckpointTest, LayoutMatchesTheDocumentedFormat) {
  // docs/checkpoint-format.md: 184 + L + 4P + 4O bytes (version 4).
  ASSERT_EQ(bytes.size(), 184u + 12 + 3 * 4);
  EXPECT_EQ(bytes.compare(0, 8, std::string("DLCCKPT\0", 8)), 0);
  EXPECT_EQ(bytes[8], 4);  // version, little-endian
  EXPECT_EQ(bytes[12], 12); // name length
  EXPECT_EQ(bytes.compare(16, 12, "linear_model"), 0);
  uint64_t fingerprint, step;
  std::memcpy(&fingerprint, &bytes[28], 8);
  std::memcpy(&step, &bytes[52], 8);
  EXPECT_EQ(fingerprint, 0x11AE0001u);
  EXPECT_EQ(step, 4u); // 2 epochs of 2 batches (3 + 1 rows)
  float w0;
  std::memcpy(&w0, &bytes[132], 4);
  EXPECT_EQ(w0, dlc_trainer_params(trainer.get())[0]);
  // After the parameters (P = 3, O = 0): validation figures, none yet.
  double valLoss, valAcc, bestValLoss;
  int64_t bestStep, prepWidth;
  uint32_t prepFlags;
  std::memcpy(&valLoss, &bytes[144], 8);
  std::memcpy(&valAcc, &bytes[152], 8);
  std::memcpy(&bestValLoss, &bytes[160], 8);
  std::memcpy(&bestStep, &bytes[168], 8);
  std::memcpy(&prepFlags, &bytes[176], 4);
  std::memcpy(&prepWidth, &bytes[180], 8);
  EXPECT_TRUE(std::isnan(valLoss));
  EXPECT_TRUE(std::isnan(valAcc));
  EXPECT_TRUE(std::isnan(bestValLoss));
  EXPECT_EQ(bestStep, 0);
  EXPECT_EQ(prepFlags, 0u);
  EXPECT_EQ(prepWidth, 0);
  double bestValAcc; // versions 3 and 4, after the (empty) statistics
  std::memcpy(&bestValAcc, &bytes[188], 8);
  EXPECT_TRUE(std::isnan(bestValAcc));
  uint64_t runId; // version 4: random, nonzero, kept by a load and a save
  std::memcpy(&runId, &bytes[196], 8);
  EXPECT_NE(runId, 0u);
  TrainerPtr t = makeTrainer(model.get());
  ASSERT_EQ(dlc_trainer_load(t.get(), path.c_str()), DLC_OK);
  ASSERT_EQ(dlc_trainer_save(t.get(), x.c_str()), DLC_OK);
  EXPECT_EQ(readFile(x), bytes);
  TrainerPtr other = makeTrainer(model.get(), 3); // another run
  trainOrGate(other.get(), 2);
  ASSERT_EQ(dlc_trainer_save(other.get(), x.c_str()), DLC_OK);
  EXPECT_EQ(withoutRunId(readFile(x)), withoutRunId(bytes));
  EXPECT_NE(readFile(x), bytes);
  uint32_t crc;
  std::memcpy(&crc, &bytes[bytes.size() - 4], 4);
  EXPECT_EQ(crc, dlc_crc32(0, bytes.data(), bytes.size() - 4));
}

TEST_F(CheckpointTest, RoundTripRestoresEverything) {
  ModelPtr sm = openFixture("softmax_model");
  TrainerPtr a = makeTrainer(sm.get(), 1);
  DatasetPtr data = makeData({0, 0, 0, 1, 1, 0, 1, 1}, {1, 0, 0, 1, 0, 1, 0, 1},
                             2, 2);
  dlc_train_options o;
  dlc_train_options_init(&o);
  o.epochs = 3;
  o.batch_size = 3;
  ASSERT_EQ(dlc_trainer_train(a.get(), data.get(), nullptr, &o, nullptr),
            DLC_OK);
  std::string p = dir.file("sm.ckpt");
  ASSERT_EQ(dlc_trainer_save(a.get(), p.c_str()), DLC_OK) << error();
  TrainerPtr b = makeTrainer(sm.get(), 99);
  ASSERT_EQ(dlc_trainer_load(b.get(), p.c_str()), DLC_OK) << error();
  EXPECT_EQ(floats(dlc_trainer_params(b.get()), 6),
            floats(dlc_trainer_params(a.get()), 6));
  EXPECT_EQ(floats(dlc_trainer_opt_state(b.get()), 6),
            floats(dlc_trainer_opt_state(a.get()), 6));
  EXPECT_NE(dlc_trainer_opt_state(b.get())[0], 0.0f);
  EXPECT_EQ(dlc_trainer_global_step(b.get()), 6);
  EXPECT_EQ(dlc_trainer_epoch(b.get()), 3);
  // Training on from either gives bit-identical results (RNG, averages...).
  o.epochs = 5;
  dlc_train_result ra, rb;
  ASSERT_EQ(dlc_trainer_train(a.get(), data.get(), nullptr, &o, &ra), DLC_OK);
  ASSERT_EQ(dlc_trainer_train(b.get(), data.get(), nullptr, &o, &rb), DLC_OK);
  EXPECT_EQ(floats(dlc_trainer_params(b.get()), 6),
            floats(dlc_trainer_params(a.get()), 6));
  EXPECT_EQ(ra.loss_avg, rb.loss_avg);
  EXPECT_EQ(ra.acc_avg, rb.acc_avg);
  // And saving the resumed trainer gives the same bytes.
  std::string pa = dir.file("a.ckpt"), pb = dir.file("b.ckpt");
  ASSERT_EQ(dlc_trainer_save(a.get(), pa.c_str()), DLC_OK);
  ASSERT_EQ(dlc_trainer_save(b.get(), pb.c_str()), DLC_OK);
  EXPECT_EQ(readFile(pa), readFile(pb));
}

TEST_F(CheckpointTest, MissingFile) {
  TrainerPtr t = makeTrainer(model.get());
  std::string missing = dir.file("none.ckpt");
  EXPECT_EQ(dlc_trainer_load(t.get(), missing.c_str()), DLC_ERR_IO);
  EXPECT_EQ(error(), missing + ": cannot open: No such file or directory");
}

TEST_F(CheckpointTest, BadMagic) {
  EXPECT_EQ(loadBytes("0,0,0\n0,1,1\n"), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), x + ": not a dlc checkpoint (bad magic at offset 0)");
  EXPECT_EQ(loadBytes("DLX"), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), x + ": not a dlc checkpoint (bad magic at offset 0)");
}

TEST_F(CheckpointTest, TruncatedAtAField) {
  EXPECT_EQ(loadBytes(bytes.substr(0, 55)), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), x + ": truncated at offset 52: expected 8 more bytes");
  EXPECT_EQ(loadBytes(""), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), x + ": truncated at offset 0: expected 8 more bytes");
}

TEST_F(CheckpointTest, EveryTruncationIsAClearError) {
  for (size_t len = 0; len < bytes.size(); ++len) {
    SCOPED_TRACE("length " + std::to_string(len));
    EXPECT_EQ(loadBytes(bytes.substr(0, len)), DLC_ERR_FORMAT);
    EXPECT_EQ(error().rfind(x + ": truncated at offset ", 0), 0u) << error();
  }
}

TEST_F(CheckpointTest, TrailingBytes) {
  EXPECT_EQ(loadBytes(bytes + "xy"), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), x + ": 2 unexpected bytes after the checksum at offset " +
                         std::to_string(bytes.size()));
}

TEST_F(CheckpointTest, CorruptedPayloadByteIsAChecksumError) {
  std::string bad = bytes;
  bad[134] ^= 0x10; // inside params
  EXPECT_EQ(loadBytes(bad), DLC_ERR_FORMAT);
  EXPECT_EQ(error().rfind(x + ": checksum mismatch (CRC-32 stored at offset " +
                              std::to_string(bytes.size() - 4),
                          0),
            0u)
      << error();
}

TEST_F(CheckpointTest, NoCorruptedByteIsEverAccepted) {
  for (size_t i = 0; i < bytes.size(); ++i)
    for (unsigned char flip : {0x01, 0x80, 0xFF}) {
      SCOPED_TRACE("byte " + std::to_string(i) + " ^ " + std::to_string(flip));
      std::string bad = bytes;
      bad[i] = (char)(bad[i] ^ flip);
      EXPECT_NE(loadBytes(bad), DLC_OK);
      EXPECT_EQ(error().rfind(x + ": ", 0), 0u) << error();
      // Past the sizes, every change is caught by the CRC, except in the
      // preprocessing flags and width (176..187), which size what follows.
      if (i >= 52 && (i < 176 || i >= 188))
        EXPECT_NE(error().find("checksum mismatch"), std::string::npos)
            << error();
    }
}

TEST_F(CheckpointTest, UnsupportedVersion) {
  std::string bad = bytes;
  bad[8] = 5;
  EXPECT_EQ(loadBytes(bad), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), x + ": unsupported checkpoint format version 5 at offset "
                         "8 (this runtime reads versions 1 to 4)");
  bad[8] = 0;
  EXPECT_EQ(loadBytes(bad), DLC_ERR_FORMAT);
}

/// Version 1 (the layout without the validation and preprocessing section)
/// of the same checkpoint.
std::string versionOne(const std::string &v2) {
  std::string v1 = v2.substr(0, 144); // up to the end of the parameters
  v1[8] = 1;
  uint32_t crc = dlc_crc32(0, v1.data(), v1.size());
  v1.append(reinterpret_cast<const char *>(&crc), 4);
  return v1;
}

TEST_F(CheckpointTest, VersionOneStillLoads) {
  const std::string v1 = versionOne(bytes);
  ASSERT_EQ(v1.size(), 124u + 12 + 3 * 4);
  ASSERT_EQ(loadBytes(v1), DLC_OK) << error();
  TrainerPtr t = makeTrainer(model.get(), 7);
  writeFile(x, v1);
  ASSERT_EQ(dlc_trainer_load(t.get(), x.c_str()), DLC_OK) << error();
  EXPECT_EQ(floats(dlc_trainer_params(t.get()), 3),
            floats(dlc_trainer_params(trainer.get()), 3));
  EXPECT_EQ(dlc_trainer_global_step(t.get()), 4);
  // Saved again, it is the version 4 file of the same state, of the run of
  // its directory's files from before run ids (nonzero).
  ASSERT_EQ(dlc_trainer_save(t.get(), x.c_str()), DLC_OK);
  EXPECT_EQ(withoutRunId(readFile(x)), withoutRunId(bytes));
  const std::string again = readFile(x);
  EXPECT_NE(again.substr(again.size() - 12, 8), std::string(8, '\0'));
}

/// An older version of a version 4 file without preprocessing statistics:
/// 3 without the run id, 2 without the best snapshot's accuracy too.
std::string olderVersion(const std::string &v4, int version) {
  std::string old = v4.substr(0, v4.size() - (version == 3 ? 12 : 20));
  old[8] = (char)version;
  uint32_t crc = dlc_crc32(0, old.data(), old.size());
  old.append(reinterpret_cast<const char *>(&crc), 4);
  return old;
}

TEST_F(CheckpointTest, VersionsTwoAndThreeStillLoad) {
  for (int version : {2, 3}) {
    SCOPED_TRACE(version);
    const std::string old = olderVersion(bytes, version);
    ASSERT_EQ(old.size(), (version == 2 ? 168u : 176u) + 12 + 3 * 4);
    TrainerPtr t = makeTrainer(model.get(), 7);
    writeFile(x, old);
    ASSERT_EQ(dlc_trainer_load(t.get(), x.c_str()), DLC_OK) << error();
    EXPECT_EQ(floats(dlc_trainer_params(t.get()), 3),
              floats(dlc_trainer_params(trainer.get()), 3));
    ASSERT_EQ(dlc_trainer_save(t.get(), x.c_str()), DLC_OK);
    EXPECT_EQ(withoutRunId(readFile(x)), withoutRunId(bytes));
  }
}

TEST_F(CheckpointTest, BadPreprocessingSection) {
  std::string bad = bytes;
  bad[176] = 4; // an unknown statistic
  EXPECT_EQ(loadBytes(bad), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), x + ": bad preprocessing flags 0x4 at offset 176");
  bad = bytes;
  bad[180] = 2; // a width without statistics
  EXPECT_EQ(loadBytes(bad), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), x + ": bad preprocessing width 2 at offset 180");
}

TEST_F(CheckpointTest, PreprocessingStatisticsOfAnotherWidthAreRefused) {
  // A checkpoint whose mean vector has 3 features: linear_model takes 2.
  std::string other = bytes.substr(0, 176);
  uint32_t flags = 1;
  int64_t width = 3;
  float mean[3] = {0.5f, 1.5f, 2.5f};
  const double none = std::nan("");
  other.append(reinterpret_cast<const char *>(&flags), 4);
  other.append(reinterpret_cast<const char *>(&width), 8);
  other.append(reinterpret_cast<const char *>(mean), sizeof mean);
  other.append(reinterpret_cast<const char *>(&none), 8);
  other.append(bytes.substr(196, 8)); // the run id
  uint32_t crc = dlc_crc32(0, other.data(), other.size());
  other.append(reinterpret_cast<const char *>(&crc), 4);
  EXPECT_EQ(loadBytes(other), DLC_ERR_MISMATCH);
  EXPECT_EQ(error(), x + ": checkpoint holds preprocessing statistics of 3 "
                         "features; model 'linear_model' takes 2");
  // With 2 features it loads, and saving it again keeps the statistics.
  other = bytes.substr(0, 176);
  width = 2;
  other.append(reinterpret_cast<const char *>(&flags), 4);
  other.append(reinterpret_cast<const char *>(&width), 8);
  other.append(reinterpret_cast<const char *>(mean), 8);
  other.append(reinterpret_cast<const char *>(&none), 8);
  other.append(bytes.substr(196, 8));
  crc = dlc_crc32(0, other.data(), other.size());
  other.append(reinterpret_cast<const char *>(&crc), 4);
  ASSERT_EQ(loadBytes(other), DLC_OK) << error();
  TrainerPtr t = makeTrainer(model.get());
  ASSERT_EQ(dlc_trainer_load(t.get(), x.c_str()), DLC_OK) << error();
  std::string again = dir.file("again.ckpt");
  ASSERT_EQ(dlc_trainer_save(t.get(), again.c_str()), DLC_OK);
  EXPECT_EQ(readFile(again), other);
}

TEST_F(CheckpointTest, WrongModelIsRefused) {
  ModelPtr sm = openFixture("softmax_model");
  TrainerPtr t = makeTrainer(sm.get());
  EXPECT_EQ(dlc_trainer_load(t.get(), path.c_str()), DLC_ERR_MISMATCH);
  EXPECT_EQ(error(), path + ": checkpoint is for model 'linear_model' "
                            "(fingerprint 0x0000000011ae0001), not "
                            "'softmax_model' (fingerprint 0x50f7000000000002)");
}

TEST_F(CheckpointTest, SameNameOtherFingerprintIsRefused) {
  dlc_model_desc desc = *dlc_model_get_desc(model.get());
  desc.fingerprint ^= 1;
  dlc_model *m = nullptr;
  ASSERT_EQ(dlc_model_from_desc(&desc, &m), DLC_OK);
  ModelPtr other(m);
  TrainerPtr t = makeTrainer(other.get());
  EXPECT_EQ(dlc_trainer_load(t.get(), path.c_str()), DLC_ERR_MISMATCH);
  EXPECT_NE(error().find("not 'linear_model' (fingerprint 0x0000000011ae0000)"),
            std::string::npos)
      << error();
}

/// True when `dir` holds no leftover temporary file.
bool noTempFiles(const std::string &dir) {
  for (const auto &e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp.") != std::string::npos)
      return false;
  return true;
}

TEST_F(CheckpointTest, FailedSaveKeepsThePreviousFile) {
  // Train further, then save under a file-size limit: the write fails half
  // way (EFBIG), as a full disk would.
  trainOrGate(trainer.get(), 5);
  ChildResult r = runInChild([&] {
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit;
    getrlimit(RLIMIT_FSIZE, &limit);
    limit.rlim_cur = 40;
    setrlimit(RLIMIT_FSIZE, &limit);
    dlc_status s = dlc_trainer_save(trainer.get(), path.c_str());
    limit.rlim_cur = limit.rlim_max; // the limit applies to stderr too
    setrlimit(RLIMIT_FSIZE, &limit);
    std::fprintf(stderr, "%s", dlc_last_error());
    return s == DLC_ERR_IO ? 0 : 1;
  });
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.err.find("File too large"), std::string::npos) << r.err;
  EXPECT_EQ(readFile(path), bytes);
  EXPECT_TRUE(noTempFiles(dir.path));
}

TEST_F(CheckpointTest, SaveReplacesAtomicallyAndLeavesNoTemporaries) {
  trainOrGate(trainer.get(), 3);
  // A stale temporary from a crashed writer does not matter.
  writeFile(path + ".tmp.1", "garbage");
  ASSERT_EQ(dlc_trainer_save(trainer.get(), path.c_str()), DLC_OK);
  EXPECT_NE(readFile(path), bytes);
  TrainerPtr t = makeTrainer(model.get());
  ASSERT_EQ(dlc_trainer_load(t.get(), path.c_str()), DLC_OK) << error();
  EXPECT_EQ(dlc_trainer_epoch(t.get()), 3);
  std::filesystem::remove(path + ".tmp.1");
  EXPECT_TRUE(noTempFiles(dir.path));
}

TEST_F(CheckpointTest, WritersOfOnePathNeverShareATemporary) {
  // Two trainers save to one path from two threads while a third thread
  // loads it: every load sees a complete checkpoint, every save succeeds.
  TrainerPtr other = makeTrainer(model.get(), 9);
  trainOrGate(other.get(), 1);
  std::atomic<bool> done{false};
  std::atomic<int> failedSaves{0}, failedLoads{0};
  std::string firstError;
  std::mutex errorLock;
  auto note = [&](std::atomic<int> &count) {
    if (count.fetch_add(1) == 0) {
      std::lock_guard<std::mutex> hold(errorLock);
      firstError = dlc_last_error();
    }
  };
  auto saver = [&](dlc_trainer *t) {
    for (int i = 0; i < 300; ++i)
      if (dlc_trainer_save(t, path.c_str()) != DLC_OK)
        note(failedSaves);
  };
  std::thread reader([&] {
    TrainerPtr t = makeTrainer(model.get());
    while (!done)
      if (dlc_trainer_load(t.get(), path.c_str()) != DLC_OK)
        note(failedLoads);
  });
  std::thread a(saver, trainer.get()), b(saver, other.get());
  a.join();
  b.join();
  done = true;
  reader.join();
  EXPECT_EQ(failedSaves, 0) << firstError;
  EXPECT_EQ(failedLoads, 0) << firstError;
  EXPECT_TRUE(noTempFiles(dir.path));
}

TEST_F(CheckpointTest, SaveKeepsTheModeAndTakesAnyFileName) {
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  ASSERT_EQ(dlc_trainer_save(trainer.get(), path.c_str()), DLC_OK);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  // A name as long as a file name may be (255 bytes) leaves no room for a
  // ".tmp.<hex>" suffix: the temporary gets a short name instead.
  const std::string longName = dir.file(std::string(250, 'n') + ".ckpt");
  ASSERT_EQ(dlc_trainer_save(trainer.get(), longName.c_str()), DLC_OK)
      << error();
  TrainerPtr t = makeTrainer(model.get());
  EXPECT_EQ(dlc_trainer_load(t.get(), longName.c_str()), DLC_OK) << error();
  for (const auto &e : std::filesystem::directory_iterator(dir.path))
    EXPECT_EQ(e.path().filename().string().find(".dlc-"), std::string::npos);
}

TEST_F(CheckpointTest, OnlyRegularFilesAreRead) {
  // A FIFO would block a reader and a device never ends: both are refused
  // before reading.
  const std::string fifo = dir.file("fifo.ckpt");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(dlc_trainer_load(trainer.get(), fifo.c_str()), DLC_ERR_IO);
  EXPECT_EQ(error(), fifo + ": not a regular file: not a checkpoint");
  EXPECT_EQ(dlc_trainer_load(trainer.get(), "/dev/zero"), DLC_ERR_IO);
  EXPECT_EQ(error(), "/dev/zero: not a regular file: not a checkpoint");
  EXPECT_EQ(dlc_trainer_load(trainer.get(), dir.path.c_str()), DLC_ERR_IO);
}

/// `bytes` with `value` at `offset` and the CRC made right again: a file
/// another writer could have made.
std::string withValueAt(std::string bytes, size_t offset, const void *value,
                        size_t size) {
  std::memcpy(&bytes[offset], value, size);
  uint32_t crc = dlc_crc32(0, bytes.data(), bytes.size() - 4);
  std::memcpy(&bytes[bytes.size() - 4], &crc, 4);
  return bytes;
}

TEST_F(CheckpointTest, NonFiniteValuesAreNeverLoaded) {
  const float nan = std::nanf(""), inf = INFINITY;
  EXPECT_EQ(loadBytes(withValueAt(bytes, 132, &nan, 4)), DLC_ERR_FORMAT);
  EXPECT_EQ(error(),
            x + ": parameter 0 is NaN at offset 132: not a state dlc writes");
  EXPECT_EQ(loadBytes(withValueAt(bytes, 140, &inf, 4)), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), x + ": parameter 2 is infinite at offset 140: not a "
                         "state dlc writes");
  const double infLoss = INFINITY;
  EXPECT_EQ(loadBytes(withValueAt(bytes, 116, &infLoss, 8)), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), x + ": the moving average of the loss is inf at offset "
                         "116: not a state dlc writes");
  EXPECT_EQ(loadBytes(withValueAt(bytes, 124, &infLoss, 8)), DLC_ERR_FORMAT);
  EXPECT_EQ(error(), x + ": the moving average of the accuracy is inf at "
                         "offset 124: not a state dlc writes");
}

TEST_F(CheckpointTest, NonFiniteParametersAreNeverSaved) {
  // What a step that diverged after a finite loss leaves: the previous
  // file stays, and the error says why.
  float *p = dlc_trainer_params(trainer.get());
  const float kept = p[1];
  p[1] = std::numeric_limits<float>::infinity();
  EXPECT_EQ(dlc_trainer_save(trainer.get(), path.c_str()), DLC_ERR_DIVERGED);
  EXPECT_EQ(error().rfind(path + ": not saved: parameter 1 of model "
                                 "'linear_model' is infinite after step ",
                          0),
            0u)
      << error();
  EXPECT_EQ(readFile(path), bytes);
  p[1] = kept;
  EXPECT_EQ(dlc_trainer_save(trainer.get(), path.c_str()), DLC_OK) << error();
  EXPECT_TRUE(noTempFiles(dir.path));
}

TEST_F(CheckpointTest, AStepCounterAtItsMaximumDoesNotTrainOn) {
  // The global step (after the model name, docs/checkpoint-format.md) set
  // to INT64_MAX with a valid CRC: it loads, but another step would
  // overflow it, so training stops with an error instead.
  std::string b = bytes.substr(0, bytes.size() - 4);
  uint32_t nameLength;
  std::memcpy(&nameLength, b.data() + 12, 4);
  const int64_t last = INT64_MAX;
  std::memcpy(&b[40 + nameLength], &last, 8);
  const uint32_t crc = dlc_crc32(0, b.data(), b.size());
  b.append(reinterpret_cast<const char *>(&crc), 4);
  ASSERT_EQ(loadBytes(b), DLC_OK) << error();
  TrainerPtr t = makeTrainer(model.get());
  ASSERT_EQ(dlc_trainer_load(t.get(), x.c_str()), DLC_OK) << error();
  EXPECT_EQ(dlc_trainer_global_step(t.get()), INT64_MAX);
  DatasetPtr data = orGate();
  dlc_train_options o;
  dlc_train_options_init(&o);
  o.epochs = dlc_trainer_epoch(t.get()) + 1;
  o.log = nullptr;
  o.quiet = 1;
  dlc_train_result r;
  EXPECT_EQ(dlc_trainer_train(t.get(), data.get(), nullptr, &o, &r),
            DLC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(error(), "model 'linear_model': the global step is "
                     "9223372036854775807, the largest there is: training "
                     "cannot go on from it");
  EXPECT_EQ(dlc_trainer_global_step(t.get()), INT64_MAX);
}

TEST_F(CheckpointTest, SaveErrors) {
  std::string missingDir = dir.file("no/such/dir/x.ckpt");
  EXPECT_EQ(dlc_trainer_save(trainer.get(), missingDir.c_str()), DLC_ERR_IO);
  EXPECT_EQ(error(), missingDir + ": no directory '" + dir.file("no/such/dir") +
                         "'");
  // A directory or a FIFO is never replaced by a checkpoint.
  std::string asDir = dir.file("adir");
  std::filesystem::create_directory(asDir);
  EXPECT_EQ(dlc_trainer_save(trainer.get(), asDir.c_str()), DLC_ERR_IO);
  EXPECT_EQ(error(), asDir + ": not a regular file (a directory): dlc "
                             "replaces files only");
  EXPECT_TRUE(std::filesystem::is_directory(asDir));
  std::string fifo = dir.file("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(dlc_trainer_save(trainer.get(), fifo.c_str()), DLC_ERR_IO);
  EXPECT_EQ(error(), fifo + ": not a regular file (a FIFO): dlc replaces "
                            "files only");
  EXPECT_TRUE(std::filesystem::is_fifo(fifo));
  EXPECT_EQ(dlc_output_file_target(fifo.c_str(), nullptr, 0), DLC_ERR_IO);
  EXPECT_TRUE(noTempFiles(dir.path));
}

TEST_F(CheckpointTest, SaveThroughASymbolicLinkReplacesItsTarget) {
  // The link stays a link; the file it names gets the checkpoint, also
  // when it does not exist yet.
  std::filesystem::create_directory(dir.file("keep"));
  std::string real = dir.file("keep/real.ckpt"), link = dir.file("link.ckpt");
  writeFile(real, "old");
  std::filesystem::create_symlink("keep/real.ckpt", link);
  char target[4096];
  ASSERT_EQ(dlc_output_file_target(link.c_str(), target, sizeof target),
            DLC_OK)
      << error();
  EXPECT_EQ(std::filesystem::canonical(target), std::filesystem::canonical(real));
  ASSERT_EQ(dlc_trainer_save(trainer.get(), link.c_str()), DLC_OK) << error();
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_EQ(readFile(real), bytes);
  std::string dangling = dir.file("new.ckpt");
  std::filesystem::create_symlink("keep/later.ckpt", dangling);
  ASSERT_EQ(dlc_trainer_save(trainer.get(), dangling.c_str()), DLC_OK)
      << error();
  EXPECT_TRUE(std::filesystem::is_symlink(dangling));
  EXPECT_EQ(readFile(dir.file("keep/later.ckpt")), bytes);
  // A chain of links to a missing file: the last one's target is written.
  std::filesystem::create_symlink("chain2", dir.file("chain1"));
  std::filesystem::create_symlink("keep/chained.ckpt", dir.file("chain2"));
  ASSERT_EQ(dlc_trainer_save(trainer.get(), dir.file("chain1").c_str()),
            DLC_OK)
      << error();
  EXPECT_TRUE(std::filesystem::is_symlink(dir.file("chain2")));
  EXPECT_EQ(readFile(dir.file("keep/chained.ckpt")), bytes);
  EXPECT_TRUE(noTempFiles(dir.path));
  EXPECT_TRUE(noTempFiles(dir.file("keep")));
}

} // namespace
