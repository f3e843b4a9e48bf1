// RAII ownership of HDF5 identifiers (files, groups, datasets, dataspaces, types, property
// lists) and a checker that turns negative HDF5 return codes into exceptions with context.
#pragma once

#include <hdf5.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace srm {

class Hdf5Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws Hdf5Error("what: HDF5 call failed") when status < 0; returns status otherwise.
template <typename T>
T h5_check(T status, const std::string& what) {
  if (status < 0) throw Hdf5Error(what + ": HDF5 call failed");
  return status;
}

class H5Id {
 public:
  H5Id() = default;
  // Takes ownership; throws when id is invalid (negative).
  H5Id(hid_t id, const std::string& what) : id_(h5_check(id, what)) {}
  H5Id(const H5Id&) = delete;
  H5Id& operator=(const H5Id&) = delete;
  H5Id(H5Id&& other) noexcept : id_(std::exchange(other.id_, -1)) {}
  H5Id& operator=(H5Id&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, -1);
    }
    return *this;
  }
  ~H5Id() { reset(); }
  hid_t get() const { return id_; }
  void reset();

 private:
  hid_t id_ = -1;
};

// File access properties used for every archive open: no HDF5 file locking, so a writer that
// opens and closes the file per append is never refused by a reader holding it (see
// docs/archive.md for the scheme).
H5Id unlocked_file_access();

// Whether this HDF5 library serialises calls from several threads (built --enable-threadsafe).
bool hdf5_library_thread_safe();

}  // namespace srm
