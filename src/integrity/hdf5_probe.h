// Probing an HDF5 file nobody sealed (the live run archive, HDF5 image sets users bring,
// checkpoints copied without their .sha256) in a child process before srm-dist opens it.
// The HDF5 library trusts a file's metadata: damaged B-tree, heap or object-header bytes can
// make it read out of bounds and crash the process, which no error handler can catch. The
// child (the srm-h5probe program, integrity/hdf5_probe_main.cpp) reads the file as srm-dist
// would; when it dies by a signal, reports an error or runs past its time limit, the file is
// reported damaged and srm-dist never hands it to HDF5.
// The child is started with posix_spawn (no copy of this process's memory: safe beside MPI's
// registered buffers and CUDA), found as $SRM_H5PROBE, or next to the running executable, or
// in the build tree it was built in.
#pragma once

#include <stdexcept>
#include <string>

namespace srm {

class FileDamagedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The probe ran past its time limit: damaged metadata can loop, but so can a slow file system,
// so callers that would set a file aside (resume) stop instead. Limit: 60 s plus 1 s per
// 100 MB of file, or SRM_H5PROBE_TIMEOUT seconds.
class FileProbeTimeoutError : public FileDamagedError {
 public:
  using FileDamagedError::FileDamagedError;
};

// The probe could not be run at all (srm-h5probe missing, no process or pipe): an installation
// or system problem, never a verdict on the file.
class ProbeUnavailableError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws FileDamagedError naming `what` and `path` ("archive \"x/archive.h5\" is damaged: the
// HDF5 library could not read it (...)") unless the child reads it cleanly.
void probe_hdf5_file(const std::string& path, const std::string& what);

// Checks a file srm-dist is about to open with HDF5: verifies its checksum sidecar when it has
// one (checksum_sidecar.h; FileCorruptError on mismatch), else probes it as above.
void check_hdf5_file_before_use(const std::string& path, const std::string& what);

}  // namespace srm
