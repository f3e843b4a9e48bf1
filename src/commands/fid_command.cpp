// The fid command (see fid_command.h).
#include "commands/fid_command.h"

#include <c10/util/Exception.h>
#include <fmt/format.h>

#include <fstream>
#include <optional>

#include "comm/make_communicator.h"
#include "data/image_set_file.h"
#include "eval/feature_extractor.h"
#include "eval/set_distance.h"
#include "eval/statistics_file.h"
#include "integrity/file_digest.h"
#include "util/device.h"
#include "util/log.h"

namespace srm {
namespace {

struct SummarisedSet {
  ImageFeatures features;
  SetLabel label;
};

SummarisedSet summarise(const std::string& path, int64_t count, std::optional<FeatureExtractor>& extractor,
                        const std::string& features_spec, const c10::Device& device, Communicator& comm) {
  SummarisedSet set;
  if (is_statistics_file(path)) {
    set.features = load_statistics_npz(path);
    set.label = {"statistics " + path, sha256_hex_of_file(path), set.features.count};
    return set;
  }
  const auto images = open_image_set_file(path);
  const int64_t n = count > 0 ? std::min(count, images->size()) : images->size();
  if (!extractor) extractor.emplace(features_spec, device);
  if (comm.rank() == 0)
    log_line(0, fmt::format("fid: features of {} images of {} ({} per batch, {} rank(s))", n, images->describe(),
                            extractor->batch_size(), comm.world_size()));
  try {
    set.features = extract_image_features(*images, n, *extractor, comm, "features", stderr);
  } catch (const std::invalid_argument& e) {  // the protocol's and the moments' checks: name the set
    throw std::runtime_error(fmt::format("\"{}\": {}", path, e.what()));
  } catch (const c10::Error& e) {
    throw std::runtime_error(fmt::format("\"{}\": the feature extractor failed on these images: {}", path,
                                         e.what_without_backtrace()));
  }
  set.label = {images->describe(), image_set_checksum(path), n};
  return set;
}

}  // namespace

int run_fid_command(const CliArgs& args, const MpiSession& session) {
  const c10::Device device = select_device(args.device, session.local_rank(), session.local_size());
  auto comm = make_communicator("auto", session, device, job_failure_policy(session, 1800));
  std::optional<FeatureExtractor> extractor;  // loaded when a side is images, not statistics
  const std::string features = args.features_path.empty() ? "inception" : args.features_path;
  const SummarisedSet a = summarise(args.operands.at(0), args.count, extractor, features, device, *comm);
  if (!args.save_stats_path.empty() && comm->rank() == 0) {  // parse_cli checked the names
    save_statistics_npz(args.save_stats_path, a.features, false);
    log_line(0, fmt::format("wrote the statistics (mu, sigma) of {} images to {}", a.label.count, args.save_stats_path));
  }
  if (args.operands.size() < 2) return 0;
  const SummarisedSet b = summarise(args.operands.at(1), args.count, extractor, features, device, *comm);
  if (comm->rank() != 0) return 0;
  const SetDistance distance = distance_between(a.features, b.features, args.kid_subsets, args.kid_subset_size, 0);
  // A side given as statistics has no extractor of its own here: its numbers are comparable
  // only when it was made with the same extractor and protocol (pytorch-fid's, for the standard one).
  const std::string report =
      distance_report(distance, a.label, b.label, extractor ? extractor->description() : "from the statistics files",
                      extractor ? extractor->sha1() : "", extractor ? extractor->protocol() : "as the statistics were made");
  fmt::print("{}", report);
  if (!args.out.empty()) {
    std::ofstream(args.out + ".yaml") << report;
    log_line(0, "wrote " + args.out + ".yaml");
  }
  return 0;
}

}  // namespace srm
