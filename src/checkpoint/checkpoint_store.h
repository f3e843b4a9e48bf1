// The run directory's checkpoints/ folder: atomic writes, the last N kept, and finding the
// newest usable checkpoint when a run resumes.
//
// Writing ckpt_XXXXXXXX.h5 (XXXXXXXX = iteration):
//   1. write .ckpt_XXXXXXXX.h5.partial, flush and fsync it;
//   2. write its SHA-256 to ckpt_XXXXXXXX.h5.sha256 (aside + rename + fsync);
//   3. rename the file to ckpt_XXXXXXXX.h5 (atomic on POSIX file systems) and fsync the folder;
//   4. replace the marker file `latest` (same temp + rename) with the new file's name;
//   5. delete complete checkpoints beyond the newest `kept` with their sidecars, stale .partial
//      files and sidecars whose checkpoint is gone.
// A crash at any moment leaves every earlier complete checkpoint untouched; a .partial file is
// never read. Readers verify the whole-file checksum, then every chunk's, before trusting one;
// resume passes over a file that fails to the next older one.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/checkpoint_file.h"

namespace srm {

class CheckpointStore {
 public:
  // kept >= 1: how many complete checkpoints remain after each save.
  CheckpointStore(std::string dir, int64_t kept);

  const std::string& dir() const { return dir_; }
  std::string path_for(int64_t iteration) const;

  // Writes the checkpoint atomically (steps above); returns its final path.
  std::string save(const TrainingCheckpoint& checkpoint) const;

  // Complete checkpoint files, newest (highest iteration) first.
  std::vector<std::string> complete_files() const;

  // The name the `latest` marker holds ("" when there is none).
  std::string latest_marker() const;

  struct Found {
    std::string path;
    TrainingCheckpoint checkpoint;
  };
  // The newest checkpoint that reads back intact and that `accept` does not reject (accept
  // throws CheckpointError to reject). Every rejected file is added to `rejections` as
  // "path: reason". nullopt when none is usable.
  std::optional<Found> newest_usable(const std::function<void(const TrainingCheckpoint&, const std::string&)>& accept,
                                     std::vector<std::string>& rejections) const;

 private:
  std::string dir_;
  int64_t kept_;
};

}  // namespace srm
