// The HDF5 file a generator command writes (PREFIX.h5): float32 datasets, appended in batches
// or written whole, and string attributes on the root saying where they came from (format,
// source checkpoint, the sampler's config). Closed after every call, like the run archive.
// When complete, seal() writes PREFIX.h5.sha256 (integrity/checksum_sidecar.h), which readers
// verify before HDF5 opens the file; a file without it was not finished (or was copied alone).
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <utility>
#include <vector>

namespace srm {

class GeneratedFile {
 public:
  // Creates (truncating) `path` with the root attributes.
  GeneratedFile(std::string path, const std::vector<std::pair<std::string, std::string>>& attributes);

  const std::string& path() const { return path_; }
  // Appends rows (B, ...) to the extendible dataset `name` (chunked per call, gzip).
  void append(const std::string& name, const at::Tensor& rows) const;
  // Writes a whole dataset at once.
  void write(const std::string& name, const at::Tensor& tensor) const;
  // The file is complete: records its whole-file checksum. No writes after this.
  void seal() const;

 private:
  std::string path_;
};

}  // namespace srm
