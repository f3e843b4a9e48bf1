// Generator command output file (see generated_file.h).
#include "io/generated_file.h"

#include <ATen/ATen.h>

#include <filesystem>

#include "integrity/checksum_sidecar.h"
#include "io/hdf5_append.h"
#include "io/hdf5_objects.h"

namespace srm {

GeneratedFile::GeneratedFile(std::string path, const std::vector<std::pair<std::string, std::string>>& attributes)
    : path_(std::move(path)) {
  std::filesystem::remove(checksum_sidecar_path(path_));  // an earlier file's seal does not cover this one
  const H5Id file = create_hdf5_file(path_, "output file");
  for (const auto& [name, value] : attributes) write_string_attribute(file.get(), name, value);
  write_string_attribute(file.get(), "created_utc", utc_timestamp());
}

void GeneratedFile::append(const std::string& name, const at::Tensor& rows) const {
  const at::Tensor cpu = rows.detach().to(at::kCPU, at::kFloat).contiguous();
  const std::vector<hsize_t> row_dims(cpu.sizes().begin() + 1, cpu.sizes().end());
  const H5Id file = open_hdf5_file(path_, H5F_ACC_RDWR, "output file");
  append_rows(file.get(), name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, row_dims, cpu.data_ptr(),
              static_cast<hsize_t>(cpu.size(0)), static_cast<hsize_t>(std::max<int64_t>(cpu.size(0), 1)), true);
}

void GeneratedFile::write(const std::string& name, const at::Tensor& tensor) const {
  const H5Id file = open_hdf5_file(path_, H5F_ACC_RDWR, "output file");
  write_float_dataset(file.get(), name, tensor, false);
}

void GeneratedFile::seal() const { write_checksum_sidecar(path_); }

}  // namespace srm
