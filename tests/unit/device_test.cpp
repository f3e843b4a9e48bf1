// Device selection and its invariants: one explicit device per rank (a source scan: no CUDA
// tensor or device without an index outside util/device.cpp), strict fp32 numerics, and the
// one-rank-per-GPU check on physical ids.
#include <gtest/gtest.h>

#include <ATen/Context.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "sampler/sampler_precision.h"
#include "util/device.h"

namespace srm {
namespace {

// Everything that puts a tensor or device on "some" GPU without saying which: at::kCUDA /
// c10::kCUDA / torch::kCUDA, tensor.cuda(), Device("cuda"), "cuda" as a device string.
const std::regex kBareCuda(R"(\bkCUDA\b|\.cuda\s*\(|Device\s*\(\s*"cuda|\.to\s*\(\s*"cuda)");

std::vector<std::string> bare_cuda_uses(const std::filesystem::path& root) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    const auto ext = entry.path().extension();
    if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".h")) continue;
    if (entry.path().lexically_relative(root) == std::filesystem::path("util/device.cpp")) continue;
    std::ifstream in(entry.path());
    std::string line;
    for (int number = 1; std::getline(in, line); ++number)
      if (std::regex_search(line, kBareCuda))
        found.push_back(entry.path().lexically_relative(root).string() + ":" + std::to_string(number) + ": " + line);
  }
  return found;
}

TEST(DeviceInvariant, NoCudaDeviceWithoutAnIndexOutsideDeviceSelection) {
  const std::filesystem::path src = std::filesystem::path(SRM_TEST_SOURCE_DIR) / "src";
  ASSERT_TRUE(std::filesystem::exists(src / "util/device.cpp"));
  const auto uses = bare_cuda_uses(src);
  std::ostringstream list;
  for (const auto& u : uses) list << "\n  " << u;
  EXPECT_TRUE(uses.empty()) << "create CUDA tensors on the selected device (select_device() or comm.device()), "
                               "never on a bare CUDA device:" << list.str();
}

TEST(DeviceInvariant, TheScanFindsEachForm) {
  for (const char* line : {"x.to(at::kCUDA);", "auto t = x.cuda();", "c10::Device(\"cuda\")", "x.to(\"cuda:1\")",
                           "torch::TensorOptions().device(torch::kCUDA, 1)"})
    EXPECT_TRUE(std::regex_search(std::string(line), kBareCuda)) << line;
  for (const char* line : {"x.to(device_)", "if (device.is_cuda())", "text(\"train.device\", {\"auto\", \"cuda\"})"})
    EXPECT_FALSE(std::regex_search(std::string(line), kBareCuda)) << line;
}

TEST(StrictFp32, SelectingADeviceTurnsTf32OffAndTheTf32ScopeOnlyInside) {
  auto& context = at::globalContext();
  context.setAllowTF32CuBLAS(true);
  context.setAllowTF32CuDNN(true);  // LibTorch's own default for cuDNN
  EXPECT_EQ(select_device("cpu", 0, 1), c10::Device(c10::kCPU));
  EXPECT_FALSE(context.allowTF32CuBLAS());
  EXPECT_FALSE(context.allowTF32CuDNN());
  {
    const SamplerPrecisionScope scope(SamplerPrecision::Tf32);
    EXPECT_TRUE(context.allowTF32CuBLAS());
    EXPECT_TRUE(context.allowTF32CuDNN());
  }
  EXPECT_FALSE(context.allowTF32CuBLAS());
  EXPECT_FALSE(context.allowTF32CuDNN());
  {
    const SamplerPrecisionScope scope(SamplerPrecision::Fp32);
    EXPECT_FALSE(context.allowTF32CuDNN());
  }
}

TEST(OneRankPerGpu, SamePhysicalGpuOnOneHostIsRefusedNamingBothRanks) {
  // Ranks 0 and 2 see different CUDA_VISIBLE_DEVICES, so their indices differ, but the PCI id
  // says it is one GPU.
  const std::vector<RankPlace> places = {{"node1", 0, "cuda:0", "0000:1B:00.0"},
                                         {"node1", 1, "cuda:1", "0000:1C:00.0"},
                                         {"node1", 2, "cuda:0", "0000:1B:00.0"}};
  try {
    check_one_rank_per_gpu(places);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("ranks 0 and 2 on host node1 would share one GPU (0000:1B:00.0"),
              std::string::npos) << e.what();
  }
}

TEST(OneRankPerGpu, DifferentHostsAndCpuRanksMayRepeat) {
  EXPECT_NO_THROW(check_one_rank_per_gpu({{"node1", 0, "cuda:0", "0000:1B:00.0"},
                                          {"node2", 0, "cuda:0", "0000:1B:00.0"},
                                          {"node1", 1, "cpu", "cpu"},
                                          {"node1", 2, "cpu", "cpu"}}));
}

TEST(PhysicalDeviceId, CpuIsCpu) { EXPECT_EQ(physical_device_id(c10::Device(c10::kCPU)), "cpu"); }

}  // namespace
}  // namespace srm
