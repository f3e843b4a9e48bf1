// Runs the run directory's writes (archive appends, PNGs, checkpoint files) on one background
// thread, in submission order, so the training loop does not wait for the disk. The training
// thread hands over finished CPU copies. At most `max_queued` jobs wait at once: submit() then
// blocks, so a slow file system slows training instead of filling memory with copies. Each job
// runs through `calls` when given (io/serialized_calls.h), so that with an HDF5 that is not
// thread-safe it never overlaps the loader's HDF5 reads. An error in a job is rethrown on the
// training thread at the next submit() or drain(), so a failed write still stops the run.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

#include "io/serialized_calls.h"

namespace srm {

class BackgroundWriter {
 public:
  explicit BackgroundWriter(const SerializedCalls* calls = nullptr, size_t max_queued = 4);
  ~BackgroundWriter();  // runs what is queued, then joins (errors at this point are printed)
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;

  // Queues `job`; rethrows the first error of an earlier job.
  void submit(std::function<void()> job);
  // Waits until every queued job has run; rethrows the first error of any.
  void drain();
  // Seconds the writer thread has spent running jobs so far.
  double busy_seconds() const;

 private:
  void loop();
  void rethrow_if_failed();

  const SerializedCalls* calls_;
  const size_t max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable wake_, idle_, room_;
  std::deque<std::function<void()>> jobs_;
  bool running_job_ = false;
  bool stopping_ = false;
  std::exception_ptr error_;
  bool error_reported_ = false;  // rethrown to the training thread already
  double busy_seconds_ = 0;
  std::thread thread_;  // last: starts after the members it uses exist
};

}  // namespace srm
