// FID / KID between two sets and their report (see set_distance.h).
#include "eval/set_distance.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "eval/gaussian_statistics.h"

namespace srm {
namespace {

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

std::string set_lines(const std::string& key, const SetLabel& set) {
  return fmt::format("{}:\n  source: {}\n  sha256: {}\n  n: {}\n", key, quoted(set.source),
                     set.checksum.empty() ? "null" : quoted(set.checksum),
                     set.count > 0 ? std::to_string(set.count) : "null  # not recorded in the statistics file");
}

}  // namespace

SetDistance distance_between(const ImageFeatures& a, const ImageFeatures& b, int64_t kid_subsets,
                             int64_t kid_subset_size, uint64_t seed) {
  if (a.mean.size(0) != b.mean.size(0))
    throw std::runtime_error(fmt::format("the two sets have features of {} and {} dimensions: made by different "
                                         "extractors?", a.mean.size(0), b.mean.size(0)));
  SetDistance d;
  d.fid = frechet_distance(a.mean, a.covariance, b.mean, b.covariance);
  if (a.features.defined() && b.features.defined())
    d.kid = kernel_inception_distance(a.features, b.features, kid_subsets, kid_subset_size, seed);
  return d;
}

std::string distance_report(const SetDistance& d, const SetLabel& a, const SetLabel& b, const std::string& features,
                            const std::string& features_sha1, const std::string& protocol) {
  std::string out = fmt::format("fid: {:.8g}\n", d.fid);
  // With subsets as large as both sets every subset is the whole set: no spread to report.
  const bool whole_sets = d.kid && d.kid->subset_size == a.count && d.kid->subset_size == b.count;
  if (d.kid)
    out += fmt::format("kid: {:.8g}\nkid_std: {}\nkid_subsets: {}\nkid_subset_size: {}\n", d.kid->mean,
                       whole_sets ? std::string("null  # every subset is the whole of both sets")
                                  : fmt::format("{:.6g}", d.kid->std),
                       d.kid->subsets, d.kid->subset_size);
  else
    out += "kid: null  # a side has mean and covariance only (a .npz without features): KID needs the features\n";
  out += set_lines("a", a) + set_lines("b", b);
  out += fmt::format("features: {}\nfeatures_sha1: {}\nprotocol: {}\n", quoted(features), quoted(features_sha1),
                     quoted(protocol));
  const int64_t smallest = std::min(a.count > 0 ? a.count : b.count, b.count > 0 ? b.count : a.count);
  if (smallest > 0 && smallest < 10000)
    out += fmt::format("warning: \"N = {} < 10000: FID is biased upwards at small N (compare only numbers of equal N; "
                       "KID is unbiased)\"\n", smallest);
  return out;
}

}  // namespace srm
