// Dataset factory (see dataset_factory.h).
#include "data/dataset_factory.h"

#include "data/cifar10_reader.h"
#include "data/hdf5_image_set.h"
#include "data/idx_reader.h"
#include "data/in_memory_images.h"
#include "data/toy_2d.h"
#include "util/random.h"

namespace srm {

std::unique_ptr<Dataset> open_dataset(const DataConfig& config, uint64_t seed) {
  const uint64_t data_seed = derive_seed(seed, 0xDA7A);
  if (config.dataset == "rings")
    return std::make_unique<Toy2d>(ToyKind::Rings, config.toy_examples, config.toy_noise, data_seed);
  if (config.dataset == "gmm")
    return std::make_unique<Toy2d>(ToyKind::Gmm, config.toy_examples, config.toy_noise, data_seed);
  if (config.dataset == "fashion_mnist") {
    const std::string path = config.path.empty() ? kDefaultFashionMnistPath : config.path;
    return std::make_unique<InMemoryImages>(read_idx_images(path, config.max_examples),
                                            config.image_size, "Fashion-MNIST " + path);
  }
  if (config.dataset == "cifar10")
    return std::make_unique<InMemoryImages>(read_cifar10_images(config.path, config.max_examples),
                                            config.image_size, "CIFAR-10 " + config.path);
  if (config.dataset == "hdf5")
    return std::make_unique<Hdf5ImageSet>(config.path, config.image_size, config.max_examples);
  throw DataError("data.dataset: unknown dataset \"" + config.dataset + "\"");
}

}  // namespace srm
