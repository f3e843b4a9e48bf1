// A gate through which calls into a library that is not thread-safe are made one at a time.
// HDF5 built without its thread-safety option (common for cluster-built HDF5) must never be
// entered by two threads at once; the trainer shares one gate between the background writer
// (archive, checkpoints) and the prefetching loader (HDF5 image sets), closed only when
// hdf5_library_thread_safe() says the library does not serialise itself.
#pragma once

#include <mutex>
#include <utility>

namespace srm {

class SerializedCalls {
 public:
  explicit SerializedCalls(bool serialize) : serialize_(serialize) {}
  SerializedCalls(const SerializedCalls&) = delete;
  SerializedCalls& operator=(const SerializedCalls&) = delete;

  bool serializing() const { return serialize_; }

  // Runs `call()`, holding the gate's lock when serializing; returns what it returns.
  template <class Call>
  auto run(Call&& call) const {
    if (!serialize_) return std::forward<Call>(call)();
    const std::lock_guard<std::mutex> lock(mutex_);
    return std::forward<Call>(call)();
  }

 private:
  const bool serialize_;
  mutable std::mutex mutex_;
};

}  // namespace srm
