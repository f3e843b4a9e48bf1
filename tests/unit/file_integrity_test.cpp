// Whole-file integrity (src/integrity): SHA-256 / SHA-1 against published test vectors, the
// .sha256 sidecar (verified, absent, mismatch, damaged sidecar), the checkpoint store's sealed
// saves and its fall-back past a checkpoint whose bytes changed, and the child-process HDF5
// probe's verdicts (clean, HDF5 error, crash by signal) with fake probes standing in for a crash.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "checkpoint/checkpoint_file.h"
#include "checkpoint/checkpoint_store.h"
#include "integrity/checksum_sidecar.h"
#include "integrity/file_digest.h"
#include "integrity/hdf5_probe.h"
#include "io/hdf5_objects.h"
#include "test_support.h"

namespace srm {
namespace {

namespace fs = std::filesystem;

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void flip_byte(const std::string& path, uintmax_t offset) {
  std::string bytes = read_bytes(path);
  bytes.at(offset) = static_cast<char>(bytes.at(offset) ^ 0xFF);
  write_bytes(path, bytes);
}

template <typename Error, typename F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TrainingCheckpoint small_checkpoint(int64_t iteration) {
  TrainingCheckpoint c;
  c.iteration = iteration;
  c.world_size = 1;
  c.config_yaml = "train:\n  seed: 3\n";
  c.version = "test";
  c.parameters = {{"w", torch::arange(12, torch::kFloat).reshape({3, 4}) * static_cast<float>(iteration)}};
  c.rng_states = torch::zeros({1, 8}, torch::kByte);
  return c;
}

// Sets SRM_H5PROBE for one scope: a shell script standing in for the probe program.
class FakeProbe {
 public:
  FakeProbe(const test::TempDir& dir, const std::string& body) {
    const std::string path = dir.file("fake-probe.sh");
    write_bytes(path, "#!/bin/sh\n" + body + "\n");
    fs::permissions(path, fs::perms::owner_all);
    setenv("SRM_H5PROBE", path.c_str(), 1);
  }
  ~FakeProbe() { unsetenv("SRM_H5PROBE"); }
  FakeProbe(const FakeProbe&) = delete;
  FakeProbe& operator=(const FakeProbe&) = delete;
};

TEST(FileDigest, MatchesPublishedTestVectors) {
  test::TempDir dir;
  write_bytes(dir.file("abc"), "abc");  // FIPS 180 example "abc"
  EXPECT_EQ(sha256_hex_of_file(dir.file("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha1_hex_of_file(dir.file("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  write_bytes(dir.file("empty"), "");
  EXPECT_EQ(sha256_hex_of_file(dir.file("empty")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // More than one 1 MiB read block: a million 'a' (FIPS 180-2's long test vector).
  write_bytes(dir.file("million"), std::string(1000000, 'a'));
  EXPECT_EQ(sha256_hex_of_file(dir.file("million")), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_NE(message_of<FileDigestError>([&] { sha256_hex_of_file(dir.file("missing")); }).find("missing"),
            std::string::npos);
}

TEST(ChecksumSidecar, VerifiesAbsentAndMismatch) {
  test::TempDir dir;
  const std::string file = dir.file("data.bin");
  write_bytes(file, std::string(5000, 'x'));
  EXPECT_EQ(verify_checksum_sidecar(file, "file"), SidecarVerdict::Absent);
  write_checksum_sidecar(file);
  EXPECT_EQ(read_bytes(file + ".sha256"), sha256_hex_of_file(file) + "  data.bin\n");  // sha256sum's format
  EXPECT_EQ(verify_checksum_sidecar(file, "file"), SidecarVerdict::Verified);
  flip_byte(file, 4000);
  const std::string flipped = message_of<FileCorruptError>([&] { verify_checksum_sidecar(file, "samples file"); });
  EXPECT_NE(flipped.find("samples file \"" + file + "\" is corrupt: checksum mismatch"), std::string::npos) << flipped;
  fs::resize_file(file, 2000);
  EXPECT_NE(message_of<FileCorruptError>([&] { verify_checksum_sidecar(file, "file"); }).find("checksum mismatch"),
            std::string::npos);
}

TEST(ChecksumSidecar, DamagedOrForeignSidecarIsReported) {
  test::TempDir dir;
  const std::string file = dir.file("a.h5");
  write_bytes(file, "content");
  write_checksum_sidecar(file);
  std::string sidecar = read_bytes(file + ".sha256");
  sidecar[10] = 'Z';  // not hexadecimal
  write_bytes(file + ".sha256", sidecar);
  EXPECT_NE(message_of<FileCorruptError>([&] { verify_checksum_sidecar(file, "checkpoint"); })
                .find("its checksum file \"" + file + ".sha256\" is damaged"),
            std::string::npos);
  write_checksum_sidecar(file, dir.file("b.h5"));  // the sidecar of another file, renamed
  fs::rename(dir.file("b.h5.sha256"), file + ".sha256");
  EXPECT_NE(message_of<FileCorruptError>([&] { verify_checksum_sidecar(file, "checkpoint"); }).find("is damaged"),
            std::string::npos);
}

TEST(CheckpointStoreIntegrity, SavesAreSealedAndAChangedByteFallsBack) {
  test::TempDir dir;
  const CheckpointStore store(dir.file("ck"), 2);
  for (int64_t it : {10, 20, 30}) store.save(small_checkpoint(it));
  EXPECT_FALSE(fs::exists(store.path_for(10) + ".sha256"));  // removed with its checkpoint
  for (int64_t it : {20, 30}) EXPECT_EQ(verify_checksum_sidecar(store.path_for(it), "checkpoint"), SidecarVerdict::Verified);
  // A changed byte in HDF5's own metadata near the start of the file, which no chunk checksum
  // covers: the whole-file checksum sees it before HDF5 reads it.
  flip_byte(store.path_for(30), 100);
  std::vector<std::string> rejections;
  const auto found = store.newest_usable([](const TrainingCheckpoint&, const std::string&) {}, rejections);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->checkpoint.iteration, 20);
  ASSERT_EQ(rejections.size(), 1u);
  EXPECT_NE(rejections[0].find("checkpoint \"" + store.path_for(30) + "\" is corrupt: checksum mismatch"),
            std::string::npos) << rejections[0];
  // A sidecar whose checkpoint vanished (a crash between its write and the rename) is cleaned up.
  write_bytes(store.path_for(5) + ".sha256", "stale");
  store.save(small_checkpoint(40));
  EXPECT_FALSE(fs::exists(store.path_for(5) + ".sha256"));
}

TEST(Hdf5Probe, CleanFilePassesNonHdf5IsReported) {
  test::TempDir dir;
  write_checkpoint_file(dir.file("c.h5"), small_checkpoint(3));
  EXPECT_NO_THROW(probe_hdf5_file(dir.file("c.h5"), "checkpoint"));
  write_bytes(dir.file("text.h5"), "not hdf5 at all");
  const std::string message = message_of<FileDamagedError>([&] { probe_hdf5_file(dir.file("text.h5"), "archive"); });
  EXPECT_NE(message.find("archive \"" + dir.file("text.h5") + "\" is damaged or not HDF5: not an HDF5 file"),
            std::string::npos) << message;
}

TEST(Hdf5Probe, ACrashInTheChildIsAMessageNotACrash) {
  test::TempDir dir;
  write_checkpoint_file(dir.file("c.h5"), small_checkpoint(3));
  const FakeProbe crashing(dir, "kill -SEGV $$");
  const std::string message = message_of<FileDamagedError>([&] { probe_hdf5_file(dir.file("c.h5"), "archive"); });
  EXPECT_NE(message.find("archive \"" + dir.file("c.h5") + "\" is damaged: the HDF5 library could not read it"),
            std::string::npos) << message;
  EXPECT_NE(message.find("signal 11"), std::string::npos) << message;
  // read_checkpoint_file turns the verdict into the CheckpointError resume falls back on.
  EXPECT_NE(message_of<CheckpointError>([&] { read_checkpoint_file(dir.file("c.h5")); }).find("could not read it"),
            std::string::npos);
}

TEST(Hdf5Probe, AProbeThatDoesNotFinishIsStoppedAndReported) {
  test::TempDir dir;
  write_checkpoint_file(dir.file("c.h5"), small_checkpoint(3));
  const FakeProbe hanging(dir, "exec sleep 30");
  setenv("SRM_H5PROBE_TIMEOUT", "1", 1);
  const auto start = std::chrono::steady_clock::now();
  std::string message;
  try {
    probe_hdf5_file(dir.file("c.h5"), "archive");
  } catch (const FileProbeTimeoutError& e) {
    message = e.what();
  }
  unsetenv("SRM_H5PROBE_TIMEOUT");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10.0);
  EXPECT_NE(message.find("did not finish reading it within 1 s"), std::string::npos) << message;
  // A timeout is no verdict on a checkpoint: it propagates instead of becoming a skipped file.
  setenv("SRM_H5PROBE_TIMEOUT", "1", 1);
  EXPECT_THROW(read_checkpoint_file(dir.file("c.h5")), FileProbeTimeoutError);
  unsetenv("SRM_H5PROBE_TIMEOUT");
}

TEST(Hdf5Probe, AMissingProbeIsAnInstallationErrorNotABadFile) {
  test::TempDir dir;
  write_checkpoint_file(dir.file("c.h5"), small_checkpoint(3));
  setenv("SRM_H5PROBE", dir.file("no-such-probe").c_str(), 1);
  EXPECT_THROW(read_checkpoint_file(dir.file("c.h5")), ProbeUnavailableError);
  unsetenv("SRM_H5PROBE");
}

TEST(Hdf5Probe, ASealedFileIsNotProbed) {
  test::TempDir dir;
  write_checkpoint_file(dir.file("c.h5"), small_checkpoint(3));
  write_checksum_sidecar(dir.file("c.h5"));
  const FakeProbe crashing(dir, "kill -SEGV $$");  // would report damage if it ran
  EXPECT_NO_THROW(check_hdf5_file_before_use(dir.file("c.h5"), "checkpoint"));
  EXPECT_EQ(read_checkpoint_file(dir.file("c.h5")).iteration, 3);
}

}  // namespace
}  // namespace srm
