// srm-prepare-images: a folder of JPEG/PNG images (e.g. CelebA's img_align_celeba/) -> an
// HDF5 image set for data.dataset = hdf5.
#include <cxxopts.hpp>
#include <fmt/format.h>

#include "image_folder_to_hdf5.h"

int main(int argc, char** argv) {
  cxxopts::Options options("srm-prepare-images",
                           "Center-crop and resize a folder of JPEG/PNG images into an HDF5 image set "
                           "(/images, uint8 N x 3 x S x S)");
  options.add_options()
      ("i,input", "folder of .jpg/.jpeg/.png images", cxxopts::value<std::string>())
      ("o,output", "HDF5 file to write", cxxopts::value<std::string>())
      ("s,size", "side length: 32, 64 or 128", cxxopts::value<int>()->default_value("64"))
      ("crop", "side of the centered square crop before resizing (0 = shorter side; CelebA: 140)",
       cxxopts::value<int>()->default_value("0"))
      ("limit", "first N images only (0 = all)", cxxopts::value<int64_t>()->default_value("0"))
      ("h,help", "print this help");
  try {
    const auto result = options.parse(argc, argv);
    if (result.count("help") || !result.count("input") || !result.count("output")) {
      fmt::print("{}", options.help());
      return result.count("help") ? 0 : 2;
    }
    srm::PrepareOptions o;
    o.input_dir = result["input"].as<std::string>();
    o.output_path = result["output"].as<std::string>();
    o.size = result["size"].as<int>();
    o.crop = result["crop"].as<int>();
    o.limit = result["limit"].as<int64_t>();
    const auto report = srm::prepare_image_folder(o, stderr);
    for (const auto& s : report.skipped) fmt::print(stderr, "skipped {}\n", s);
    fmt::print("wrote {} images of {}x{} to {} ({} skipped)\n", report.written, o.size, o.size, o.output_path,
               report.skipped.size());
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "srm-prepare-images: error: {}\n", e.what());
    return 1;
  }
}
