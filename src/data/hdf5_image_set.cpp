// HDF5 image set reader (see hdf5_image_set.h).
#include "data/hdf5_image_set.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <filesystem>

#include "data/in_memory_images.h"
#include "integrity/hdf5_probe.h"
#include "io/hdf5_objects.h"
#include "io/hdf5_handle.h"

namespace srm {

struct Hdf5ImageSet::Handles {
  H5Id file;
  H5Id images;
};

Hdf5ImageSet::Hdf5ImageSet(const std::string& path, int64_t image_size, int64_t max_examples)
    : path_(path), handles_(std::make_unique<Handles>()) {
  if (!std::filesystem::exists(path))
    throw DataError(fmt::format("HDF5 image set \"{}\" does not exist (make one with "
                                "srm-prepare-images)", path));
  try {
    check_hdf5_file_before_use(path, "HDF5 image set");  // damaged metadata must not crash the reader
  } catch (const std::runtime_error& e) {
    throw DataError(e.what());
  }
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors are reported by our own messages
  const H5Id fapl = unlocked_file_access();
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get());
  if (file < 0) throw DataError(fmt::format("\"{}\" is not a readable HDF5 file", path));
  handles_->file = H5Id(file, "H5Fopen");
  const hid_t images = H5Dopen2(file, "images", H5P_DEFAULT);
  if (images < 0) throw DataError(fmt::format("\"{}\" has no dataset /images", path));
  handles_->images = H5Id(images, "H5Dopen2(images)");
  const H5Id space(H5Dget_space(images), "H5Dget_space");
  hsize_t dims[4] = {0, 0, 0, 0};
  const int rank = H5Sget_simple_extent_ndims(space.get());
  const H5Id type(H5Dget_type(images), "H5Dget_type");
  float_images_ = H5Tget_class(type.get()) == H5T_FLOAT && H5Tget_size(type.get()) == 4;
  const bool byte_images = H5Tget_class(type.get()) == H5T_INTEGER && H5Tget_size(type.get()) == 1;
  if (rank != 4 || !(byte_images || float_images_))
    throw DataError(fmt::format("\"{}\": /images must be uint8 (or float32 in [-1, 1]) with 4 dimensions "
                                "(N, C, H, W)", path));
  // Float images are taken as [-1, 1] only from srm-dist's own samples files, which say so.
  if (float_images_ && (!has_attribute(file, "format") ||
                        read_string_attribute(file, "format").rfind("srm-dist-samples/", 0) != 0))
    throw DataError(fmt::format("\"{}\": /images is float32 but the file is not an srm-dist samples file (root "
                                "attribute format = srm-dist-samples/1); store uint8 images in [0, 255] instead",
                                path));
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  if (dims[2] != dims[3] || (dims[1] != 1 && dims[1] != 3))
    throw DataError(fmt::format("\"{}\": /images has shape ({}, {}, {}, {}); expected (N, 1 or 3, "
                                "S, S)", path, dims[0], dims[1], dims[2], dims[3]));
  if (image_size > 0 && static_cast<int64_t>(dims[2]) != image_size)
    throw DataError(fmt::format("\"{}\" holds {}x{} images but data.image_size = {}: prepare the set "
                                "at that size or change data.image_size", path, dims[2], dims[3],
                                image_size));
  count_ = static_cast<int64_t>(dims[0]);
  if (max_examples > 0) count_ = std::min(count_, max_examples);
  channels_ = static_cast<int64_t>(dims[1]);
  side_ = static_cast<int64_t>(dims[2]);
  if (count_ == 0) throw DataError(fmt::format("\"{}\": /images holds no images", path));
}

Hdf5ImageSet::~Hdf5ImageSet() = default;

at::Tensor Hdf5ImageSet::load(const std::vector<int64_t>& indices) const {
  const int64_t n = static_cast<int64_t>(indices.size());
  at::Tensor out = at::empty({n, channels_, side_, side_}, at::TensorOptions().dtype(float_images_ ? at::kFloat : at::kByte));
  const H5Id file_space(H5Dget_space(handles_->images.get()), "H5Dget_space");
  hsize_t count[4] = {1, hsize_t(channels_), hsize_t(side_), hsize_t(side_)};
  const H5Id memory_space(H5Screate_simple(4, count, nullptr), "H5Screate_simple");
  auto* dst = static_cast<unsigned char*>(out.data_ptr());
  const int64_t per_image = channels_ * side_ * side_ * static_cast<int64_t>(out.element_size());
  for (int64_t i = 0; i < n; ++i) {
    if (indices[i] < 0 || indices[i] >= count_)
      throw DataError(fmt::format("\"{}\": image index {} out of range [0, {})", path_, indices[i], count_));
    hsize_t start[4] = {hsize_t(indices[i]), 0, 0, 0};
    h5_check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
             "H5Sselect_hyperslab");
    if (H5Dread(handles_->images.get(), float_images_ ? H5T_NATIVE_FLOAT : H5T_NATIVE_UINT8, memory_space.get(), file_space.get(),
                H5P_DEFAULT, dst + i * per_image) < 0)
      throw DataError(fmt::format("\"{}\": reading image {} failed (truncated or corrupted file?)",
                                  path_, indices[i]));
  }
  return float_images_ ? out : to_model_range(out);
}

std::string Hdf5ImageSet::describe() const {
  return fmt::format("HDF5 image set {} ({} images, {}x{}x{})", path_, count_, channels_, side_, side_);
}

}  // namespace srm
