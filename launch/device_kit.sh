#!/usr/bin/env bash
# srm-dist on a lent GPU machine. Such a machine is bare (CUDA toolkit, a torch wheel, CMake,
# ninja, h5py; no Debian development packages, no network) and lent for minutes, so this kit
# gathers the build dependencies here and, there, builds, tests and runs a fixed GPU check
# list in one command that always leaves a report (docs/gpu.md).
#
#   bash launch/device_kit.sh prepare                # here (Debian 12): the .debs -> .device_kit/debs
#   bash launch/device_kit.sh run OUTDIR             # there: unpack, build, unit tests, GPU checks
#   bash launch/device_kit.sh run --rehearse OUTDIR  # here: the same path on the CPU, GPU checks skipped
#
# `run` writes OUTDIR/report.md (rewritten after every step) and OUTDIR/logs.tar.gz; every step
# runs under its own timeout inside an overall budget, so a hang still returns the report.
# On the device machine: carry [".device_kit"], command: bash launch/device_kit.sh run "$OUT"
#
# Environment knobs (defaults in brackets):
#   SRM_KIT_DIR           the gathered folder [<repo>/.device_kit]
#   SRM_KIT_ROOT          private root the .debs are unpacked into [/tmp/srm-kit-root]
#   SRM_KIT_BUILD         CMake build folder [/tmp/srm-kit-build]
#   SRM_KIT_WORK          logs, synthetic data, runs [/tmp/srm-kit-work]
#   SRM_JOBS              parallel compile jobs [number of cores]
#   SRM_TORCH_PYTHON      Python whose torch provides LibTorch [~/.local/share/srm-dist/venv/bin/python
#                         if present, else python3]
#   SRM_KIT_BUDGET        seconds the whole run may take [530; rehearsal: 10800]
#   SRM_KIT_TESTS         unit tests to run, a ctest -R regex [all; rehearsal: the suites that use
#                         the gathered libraries; set it empty for all]
#   SRM_KIT_BENCH_ITERATIONS  iterations per bench run, the first untimed [3]
#   SRM_KIT_HIDE_HOST     rehearsal as root: hide the host's copies of the packages in a private
#                         mount namespace, so only the kit can be used [1]
#   SRM_KIT_UNTIL         stop after this step: unpack, configure, build, ... [run all]
set -euo pipefail

self=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
root=$(cd "$(dirname "$self")/.." && pwd)
kit_dir=${SRM_KIT_DIR:-$root/.device_kit}
deb_dir=$kit_dir/debs
kit_root=${SRM_KIT_ROOT:-/tmp/srm-kit-root}
build_dir=${SRM_KIT_BUILD:-/tmp/srm-kit-build}
work=${SRM_KIT_WORK:-/tmp/srm-kit-work}
multiarch=x86_64-linux-gnu
max_kit_mib=60   # the device machine takes 64 MiB with the tree (about 0.6 MiB)

die() { echo "device_kit.sh: error: $*" >&2; exit 1; }
usage() { awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$self"; }

# ---------------------------------------------------------------------------------------------
# prepare: the Debian packages the build uses, with the libraries they need at run time.
# ---------------------------------------------------------------------------------------------

# What the build uses (as launch/setup.sh installs); zlib1g because zlib1g-dev's libz.so points
# into it.
# PLplot (training-curve pictures) is optional in the build and is left out: its Debian package
# pulls in GUI toolkits' libraries far beyond the size limit. protobuf (TensorBoard) is required.
roots=(libhdf5-dev libopenmpi-dev openmpi-bin libyaml-cpp-dev libcxxopts-dev libstb-dev
       zlib1g-dev zlib1g libgtest-dev libprotobuf-dev protobuf-compiler libssl-dev libzip-dev)
# Never followed: the base of any Linux image (C/C++ runtime, compression, PAM, dpkg, perl),
# compilers and tools (the machine has its own; -dev packages other than the roots are not
# used: only their libraries are), and what a one-node run does without (ssh, hwloc's
# plugins, which pull in X11 and ICU, JavaScript docs, googletest's sources).
skip_re='^(libc6|libgcc-s1|libstdc[+][+]6|gcc-[0-9]+-base|perl-base|perl|perl-modules-.*|debconf|dpkg|tar|libzstd1|liblzma5|libbz2-1[.]0|libcrypt1|libselinux1|libpcre2-8-0|libacl1|libaudit1|libcap-ng0|libmd0|libtinfo6|libudev1|libuuid1|debianutils|adduser|passwd|libpam.*|libsemanage.*|libsepol.*|gcc|gcc-[0-9]+|cpp|cpp-[0-9]+|gfortran.*|flang.*|binutils.*|openssh-client|libhwloc-plugins|libjs-.*|googletest|hdf5-helpers)$'

# Prints the package closure: roots, then each package's Depends/Pre-Depends (the first
# alternative that is a real package), minus skip_re and minus -dev packages that are not roots.
package_closure() {
  local candidates
  candidates=$(apt-cache depends --recurse --important "${roots[@]}" | grep -v '^[ <]' | sort -u)
  # shellcheck disable=SC2086  # one name per word
  apt-cache show --no-all-versions $candidates | awk -v roots="${roots[*]}" -v skip="$skip_re" '
    /^Package:/ { p = $2; real[p] = 1 }
    /^(Pre-)?Depends:/ { sub(/^[^:]*: /, ""); deps[p] = deps[p] (deps[p] != "" ? "," : "") $0 }
    END {
      n = split(roots, queue, " ")
      for (i = 1; i <= n; i++) taken[queue[i]] = 1
      for (head = 1; head <= n; head++) {
        groups = split(deps[queue[head]], group, ",")
        for (g = 1; g <= groups; g++) {
          pick = ""
          alternatives = split(group[g], alt, "|")
          for (a = 1; a <= alternatives && pick == ""; a++) {
            name = alt[a]; gsub(/\([^)]*\)|:any|[ \t]/, "", name)
            if (name in real) pick = name
          }
          if (pick == "" || (pick in taken) || pick ~ skip || pick ~ /-dev$/) continue
          taken[pick] = 1; queue[++n] = pick
        }
      }
      for (p in taken) print p
    }' | sort
}

cmd_prepare() {
  if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
    die "prepare needs apt-get and dpkg-deb (a Debian 12 machine)"
  fi
  [ "$(dpkg --print-architecture)" = amd64 ] || die "prepare gathers amd64 packages: run it on an x86-64 machine"
  local as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  if ! apt-cache show --no-all-versions libhdf5-dev >/dev/null 2>&1; then
    echo "== apt-get update (no package lists yet)"
    "${as_root[@]}" apt-get update -qq || die "apt-get update failed"
  fi

  local packages
  mapfile -t packages < <(package_closure)
  [ ${#packages[@]} -gt ${#roots[@]} ] || die "resolving the package closure failed (apt-cache depends)"
  echo "== ${#packages[@]} packages: ${packages[*]}"

  # Download into a fresh folder, then swap it in: a failed download keeps the previous kit.
  mkdir -p "$kit_dir"
  local fresh=$kit_dir/debs.new
  rm -rf "$fresh" && mkdir -p "$fresh"
  local sandbox=()
  [ "$(id -u)" -ne 0 ] || sandbox=(-o APT::Sandbox::User=root)
  if ! (cd "$fresh" && apt-get download -qq "${sandbox[@]}" "${packages[@]}"); then
    rm -rf "$fresh"; die "apt-get download failed (network? try: apt-get update)"
  fi
  for p in "${packages[@]}"; do
    compgen -G "$fresh/${p}_*.deb" >/dev/null || { rm -rf "$fresh"; die "package $p was not downloaded"; }
  done
  # MANIFEST: package, version, bytes, the glibc it was built for (its libc6 dependency)
  (cd "$fresh" && for deb in *.deb; do
     glibc=$(dpkg-deb -f "$deb" Depends | sed -n 's/.*libc6 (>= \([0-9.]*\)).*/\1/p')
     printf '%s %s %s %s\n' "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)" "$(stat -c %s "$deb")" "${glibc:--}"
   done) >"$fresh/MANIFEST"

  local bytes limit=$((max_kit_mib * 1024 * 1024))
  bytes=$(du -cb "$fresh" | tail -1 | cut -f1)
  if [ "$bytes" -gt "$limit" ]; then
    echo "largest packages:" >&2
    sort -k3 -n -r "$fresh/MANIFEST" | head -12 | awk '{printf "  %8.2f MiB  %s\n", $3 / 1048576, $1}' >&2
    rm -rf "$fresh"
    die "the gathered packages take $(mib "$bytes") MiB, over the $max_kit_mib MiB limit; extend skip_re in $self"
  fi
  rm -rf "$deb_dir" && mv "$fresh" "$deb_dir"

  local tree_bytes=0
  if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
    tree_bytes=$(cd "$root" && git ls-files -z --cached --others --exclude-standard |
                 { xargs -0 stat -c %s 2>/dev/null || true; } | awk '{s += $1} END {print s + 0}')
  fi
  echo "== gathered ${#packages[@]} packages: $(mib "$bytes") MiB in ${deb_dir#"$root"/}"
  echo "   travelling with the tree: tree $(mib "$tree_bytes") MiB + kit $(mib "$bytes") MiB" \
       "= $(mib $((tree_bytes + bytes))) MiB of 64 MiB"
  echo
  echo "On a lent GPU machine (the device tool's run), with"
  echo "  carry:     [\"${kit_dir#"$root"/}\"]"
  echo "  timeout_s: 600"
  echo "  command:   bash launch/device_kit.sh run \"\$OUT\""
  echo "then read \$OUT/report.md (logs in \$OUT/logs.tar.gz). Rehearse here first:"
  echo "  bash launch/device_kit.sh run --rehearse /tmp/srm-kit-out"
}

mib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }


# ---------------------------------------------------------------------------------------------
# run: the environment that makes the unpacked packages usable from the private root
# ---------------------------------------------------------------------------------------------
lib_dir=$kit_root/usr/lib/$multiarch
pmix_dir=$lib_dir/pmix2
rtlib=$kit_root/rtlib   # links to the kit's shared libraries the loader should take from the kit

# Open MPI, PMIx and FindHDF5 look for their files where Debian installed them; these point
# them at the private root. Inherited by every step (each runs as a child of this script).
export_kit_env() {
  [ -z "${KIT_ENV_SET:-}" ] || return 0
  export KIT_ENV_SET=1 CUDA_BIN=${CUDA_BIN:-}
  export PATH=$kit_root/usr/bin${CUDA_BIN:+:$CUDA_BIN}:$PATH
  export LD_LIBRARY_PATH=$rtlib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  export OPAL_PREFIX=$kit_root/usr OPAL_SYSCONFDIR=$kit_root/etc/openmpi
  export PMIX_PREFIX=$pmix_dir PMIX_DATADIR=$pmix_dir/share PMIX_LIBDIR=$pmix_dir/lib
  export PMIX_MCA_mca_base_component_path=$pmix_dir/lib/pmix
  export HDF5_ROOT=$lib_dir/hdf5/serial
  # pkg-config sees the kit only: PLplot (optional, not gathered) is then absent as on the GPU
  # machine, and the build leaves the curve pictures out.
  export PKG_CONFIG_LIBDIR=$lib_dir/pkgconfig:$kit_root/usr/share/pkgconfig
  # One node, no ssh: launch locally; no cross-memory attach (often refused in containers).
  export OMPI_MCA_plm=${OMPI_MCA_plm:-isolated}
  export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}
  # Commands there run as root (as .ci/run does for the tests).
  if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
}

# Extracts one .deb; without dpkg-deb, reads the ar archive's data.tar.* with Python.
unpack_deb() {
  if command -v dpkg-deb >/dev/null; then dpkg-deb -x "$1" "$2"; return; fi
  "$KIT_PY" - "$1" "$2" <<'PY'
import io, sys, tarfile
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"!<arch>\n", f"{sys.argv[1]}: not a .deb"
pos = 8
while pos < len(data):
    name, size = data[pos:pos + 16].decode().strip().rstrip("/"), int(data[pos + 48:pos + 58])
    if name.startswith("data.tar"):
        trusted = {"filter": "fully_trusted"} if hasattr(tarfile, "fully_trusted_filter") else {}
        tarfile.open(fileobj=io.BytesIO(data[pos + 60:pos + 60 + size])).extractall(sys.argv[2], **trusted)
        break
    pos += 60 + size + (size & 1)
else:
    sys.exit(f"{sys.argv[1]}: no data.tar member (zstd-compressed? install dpkg)")
PY
}

# ---------------------------------------------------------------------------------------------
# run: the checks. Each check_* runs in a child (bash "$self" __check NAME ...) under timeout,
# prints its log to stdout and ends with one "FIGURES: ..." line for the report.
# ---------------------------------------------------------------------------------------------
figures() { echo "FIGURES: $*"; }
fail() { echo "check failed: $*" >&2; exit 1; }
srm() { "$build_dir/src/srm-dist" "$@"; }
mpirun_1() {
  local as_root=()
  [ "$(id -u)" -ne 0 ] || as_root=(--allow-run-as-root)
  "$kit_root/usr/bin/mpirun" -np 1 --bind-to none "${as_root[@]}" "$@"
}
# Figures from a log: the word after a fixed text (after LOG 'local batch '), the last
# "N s/iteration", the startup line's field after "| NAME ".
after() { grep -o "$2[^ ]*" "$1" | tail -1 | sed "s|^$2||; s|[(),;]||g"; }
per_iteration() { grep -o '[0-9.]* s/iteration' "$1" | tail -1 | cut -d' ' -f1; }
startup_field() { grep -m1 '^world size' "$1" | grep -o "| $2 [^|]*" | sed "s/^| $2 //; s/ *$//"; }

check_unpack() {
  rm -rf "$kit_root" && mkdir -p "$kit_root"
  local deb count=0
  for deb in "$deb_dir"/*.deb; do unpack_deb "$deb" "$kit_root"; count=$((count + 1)); done
  # update-alternatives' links, which dpkg -x does not make: mpirun, mpicc, ...
  for f in "$kit_root"/usr/bin/*.openmpi; do ln -sfn "$(basename "$f")" "${f%.openmpi}"; done
  # Absolute links (zlib1g-dev's libz.so -> /lib/...) are re-pointed into the private root.
  local link target
  while IFS= read -r link; do
    target=$(readlink "$link")
    if [ -e "$kit_root$target" ]; then ln -sfn "$kit_root$target" "$link"; fi
  done < <(find "$kit_root" -type l -lname '/*' -not -path '*/share/doc/*')
  # Soname links that come from update-alternatives or ldconfig on a real install.
  local dirs=("$kit_root/lib/$multiarch" "$lib_dir" "$pmix_dir/lib" "$kit_root/usr/lib/libpsm1")
  if command -v ldconfig >/dev/null; then ldconfig -n "${dirs[@]}" 2>/dev/null || true; fi

  # Which libraries the loader takes from the kit: on the GPU machine the sonames the host
  # lacks (its own copies, often newer, are left alone) and always the libraries srm-dist is
  # built against, with their families (Open MPI, PMIx, HDF5, yaml-cpp): a host Open MPI must
  # not mix with the kit's. In the rehearsal all of them.
  declare -A host=()
  local name lib own_re='^lib(mpi|open-rte|open-pal|oshmem|mca_common_|ompitrace|pmix|hdf5|yaml-cpp)'
  if command -v ldconfig >/dev/null && [ "$KIT_REHEARSE" -eq 0 ]; then
    while read -r name _; do host[$name]=1; done < <(ldconfig -p | tail -n +2)
  fi
  mkdir -p "$rtlib"
  while IFS= read -r lib; do
    name=$(basename "$lib")
    if [[ -z "${host[$name]:-}" || $name =~ $own_re ]]; then ln -sfn "$lib" "$rtlib/$name"; fi
  done < <(find "${dirs[@]}" -maxdepth 1 -name 'lib*.so.*' 2>/dev/null)

  # Everything must load: a missing library or a host library too old for the kit's builds
  # (version `GLIBC_2.xx' not found) is named here. A host library that is too old is replaced
  # by the kit's copy once.
  local elves problems round old
  command -v ldd >/dev/null || { figures "$count packages unpacked; no ldd: loading not checked"; return 0; }
  elves=("$kit_root"/usr/bin/orterun "$kit_root"/usr/bin/orted "$kit_root"/usr/bin/opal_wrapper)
  mapfile -t -O ${#elves[@]} elves < <(find "$rtlib"/ -maxdepth 1 -name 'lib*.so.*' -xtype f)
  for round in 1 2; do
    problems=$(for f in "${elves[@]}"; do
                 { ldd "$f" 2>&1 || true; } | sed -n "/not found/s|^[[:space:]]*|$(basename "$f"): |p"
               done | sort -u)
    if [ -z "$problems" ] || [ "$round" -eq 2 ]; then break; fi
    while read -r old; do
      name=$(basename "$old")
      lib=$(find "${dirs[@]}" -maxdepth 1 -name "$name" 2>/dev/null | head -1)
      if [ -n "$lib" ]; then echo "host $old is too old for the kit: using the kit's copy"; ln -sfn "$lib" "$rtlib/$name"; fi
    done < <(grep -o '/[^ :]*: version' <<<"$problems" | sed 's|: version||' | sort -u)
  done
  local glibc_host glibc_need
  glibc_host=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
  glibc_need=$(awk '$4 != "-" {print $4}' "$deb_dir/MANIFEST" | sort -V | tail -1)
  figures "$count packages unpacked; $(find "$rtlib" -regex '.*[.]so[.][0-9]+' | wc -l) sonames from the kit; glibc $glibc_host (kit needs ${glibc_need:-?})"
  if [ -n "$problems" ]; then
    echo "libraries that do not load:"; echo "$problems"
    # Loading problems of MPI's optional transports (verbs, PSM, UCX) are reported, not fatal.
    grep -vE '^(libfabric|libucp|libuct|libucs|libpsm|libefa|libmana|libmlx|librdmacm|libibverbs|libmca_common_(ofi|ucx|verbs))' <<<"$problems" >/dev/null &&
      fail "kit libraries do not load on this machine (see above)"
  fi
  true
}

check_configure() {
  local cxx
  cxx=$(command -v "${CXX:-c++}" || command -v g++ || command -v clang++) ||
    fail "no C++ compiler on this machine (c++, g++, clang++): the kit does not bring one"
  local generator=Ninja
  command -v ninja >/dev/null || { command -v make >/dev/null && generator="Unix Makefiles"; } ||
    fail "neither ninja nor make on this machine"
  local torch_cmake torch_cuda
  torch_cmake=$("$KIT_PY" -c 'import torch; print(torch.utils.cmake_prefix_path)') ||
    fail "$KIT_PY cannot import torch"
  torch_cuda=$("$KIT_PY" -c 'import torch; print(torch.version.cuda or "")')
  local args=(-S "$root" -B "$build_dir" -G "$generator" -DCMAKE_BUILD_TYPE=Release
    -DCMAKE_CXX_COMPILER="$cxx"
    -DCMAKE_PREFIX_PATH="$torch_cmake;$kit_root/usr" -DSRM_TORCH_PYTHON="$KIT_PY"
    -DHDF5_ROOT="$HDF5_ROOT" -DMPI_C_COMPILER="$kit_root/usr/bin/mpicc"
    -DMPIEXEC_EXECUTABLE="$kit_root/usr/bin/mpirun"
    # the kit's libraries' own dependencies, for the linker (the loader has LD_LIBRARY_PATH)
    "-DCMAKE_EXE_LINKER_FLAGS=-Wl,-rpath-link,$rtlib -Wl,-rpath-link,$lib_dir")
  [ -z "$torch_cuda" ] || args+=(-DSRM_NCCL=ON)   # the NCCL check needs the backend built in
  rm -rf "$build_dir"
  echo "cmake ${args[*]}"
  cmake "${args[@]}" || fail "cmake configure failed"
  cp "$build_dir/CMakeCache.txt" "$work/logs/CMakeCache.txt"
  # Which dependency came from where: all from the kit, or those from the host named.
  local var value host_deps=()
  for var in HDF5_C_INCLUDE_DIR MPI_C_HEADER_DIR yaml-cpp_DIR cxxopts_DIR GTest_DIR STB_INCLUDE_DIR ZLIB_INCLUDE_DIR \
             Protobuf_INCLUDE_DIR; do
    value=$(sed -n "s|^$var:[A-Z]*=||p" "$build_dir/CMakeCache.txt")
    [[ $value == "$kit_root"/* ]] || host_deps+=("$var=$value")
  done
  figures "$(cmake --version | head -1); LibTorch $("$KIT_PY" -c 'import torch; print(torch.__version__)')" \
          "CUDA ${torch_cuda:-none}; $(grep -q '^SRM_NCCL_LIBRARY:.*nccl' "$build_dir/CMakeCache.txt" && echo 'NCCL found' || echo 'no NCCL');" \
          "${host_deps[*]:+from the host, not the kit: }${host_deps[*]:-all dependencies from the kit}"
}

check_build() {
  cmake --build "$build_dir" -j "$KIT_JOBS" --target srm-dist srm_unit_tests
  figures "$KIT_JOBS jobs; srm-dist $(du -h "$build_dir/src/srm-dist" | cut -f1)"
}

check_data() {
  mkdir -p "$work/data"
  "$KIT_PY" - "$work/data" <<'PY'
import gzip, os, struct, sys
import h5py
import numpy as np
out = sys.argv[1]
rng = np.random.default_rng(1)
# CelebA-128-shaped set, as srm-prepare-images writes it: /images uint8 (N, 3, 128, 128).
# Blocky random images (8x8 blocks of 16x16 pixels): not noise, not CelebA; for timing.
images = rng.integers(0, 256, (256, 3, 8, 8), dtype=np.uint8).repeat(16, axis=2).repeat(16, axis=3)
with h5py.File(os.path.join(out, "celeba128-synthetic.h5"), "w") as f:
    f.create_dataset("images", data=images)
# A Fashion-MNIST-shaped IDX file for bench/compare.py's image workloads.
fashion = rng.integers(0, 256, (1024, 28, 28), dtype=np.uint8)
with gzip.open(os.path.join(out, "fashion-synthetic-idx3-ubyte.gz"), "wb") as f:
    f.write(struct.pack(">IIII", 0x803, len(fashion), 28, 28) + fashion.tobytes())
print(f"images {images.shape}, fashion {fashion.shape}")
PY
  figures "celeba128-synthetic.h5: 256 x 3 x 128 x 128; fashion IDX: 1024 x 28 x 28"
}

check_unit() {
  local filter=()
  [ -z "$KIT_TESTS" ] || filter=(-R "$KIT_TESTS")
  local rc=0
  (cd "$build_dir" && ctest -L unit "${filter[@]}" -j "$KIT_JOBS" --timeout 300 --output-on-failure) 2>&1 |
    tee "$work/ctest.out" || rc=$?
  local summary skipped failed
  summary=$(grep -E 'tests passed, [0-9]+ tests? failed out of' "$work/ctest.out" | tail -1 || true)
  skipped=$(grep -c -- '\*\*\*Skipped' "$work/ctest.out" || true)
  # No failures means grep finds nothing: `|| true`, or pipefail + set -e would end the step.
  failed=$(sed -n '/The following tests FAILED/,$p' "$work/ctest.out" | grep -oE ' - [^ ]+' | sed 's/ - //' | head -8 |
           tr '\n' ' ' || true)
  figures "${summary:-no summary}; $skipped skipped${KIT_TESTS:+; only -R $KIT_TESTS}${failed:+; failed: $failed}"
  return "$rc"
}

# One rank under mpirun, 20 rings iterations through the given backend and device.
check_one_rank() {
  local backend=$1 device=$2 out="$work/$1.out"
  mpirun_1 "$build_dir/src/srm-dist" --config configs/rings.yaml --set dist.backend="$backend" \
    --set train.device="$device" --set train.iterations=20 --set output.log_every=5 \
    --set output.dir="$work/runs/$backend" 2>&1 | tee "$out"
  grep -q "backend $backend" "$out" || fail "the run did not use the $backend backend"
  local library
  if [ "$backend" = nccl ]; then library="NCCL $(startup_field "$out" NCCL), world size 1"
  else library=$(grep -o 'Open MPI v[0-9.]*' "$out" | head -1); fi
  figures "backend $(startup_field "$out" backend), $library;" "$(per_iteration "$out") s/iteration"
}
check_mpi_cpu() { check_one_rank mpi cpu; }
check_nccl() { check_one_rank nccl cuda; }

# celeba128.yaml's model at 128x128 on the synthetic set, smaller K and batch: trains, stops
# (archive + checkpoints), then continues to more iterations with --resume.
check_resume() {
  local dir=$work/runs/celeba128-resume first second every size
  if [ "$KIT_GPU" -eq 1 ]; then
    first=10 second=20 every=5
    size=(--set sampler.steps=20 --set train.batch_size=32 --set output.samples_kept=32 --set train.device=cuda)
  else
    first=4 second=6 every=2
    size=(--set model.n_f=8 --set sampler.steps=2 --set train.batch_size=8 --set output.samples_kept=8 --set train.device=cpu)
  fi
  local run=(--config configs/celeba128.yaml --set data.path="$work/data/celeba128-synthetic.h5" "${size[@]}"
             --set output.dir="$dir" --set output.log_every=1 --set output.sample_every="$every"
             --set output.checkpoint_every="$every")
  rm -rf "$dir"
  echo "== first run: $first iterations"
  srm "${run[@]}" --set train.iterations=$first 2>&1 | tee "$work/resume1.out"
  grep -q "complete at iteration $first" "$dir/status" || fail "first run: status is '$(cat "$dir/status")'"
  [ -f "$dir/archive.h5" ] || fail "first run wrote no archive.h5"
  compgen -G "$dir/checkpoints/*" >/dev/null || fail "first run wrote no checkpoint"
  echo "== resumed to $second iterations"
  srm "${run[@]}" --set train.iterations=$second --resume 2>&1 | tee "$work/resume2.out"
  grep -q "resuming from .*iteration $first" "$work/resume2.out" || fail "the second run did not resume from iteration $first"
  grep -q "complete at iteration $second" "$dir/status" || fail "second run: status is '$(cat "$dir/status")'"
  srm inspect "$dir/archive.h5" 2>&1 | tee "$work/inspect.out"
  [ -f "$dir/samples/latest.png" ] && cp "$dir/samples/latest.png" "$KIT_OUT/celeba128_samples.png"
  figures "$first + $((second - first)) iterations ($(per_iteration "$work/resume1.out") and" \
          "$(per_iteration "$work/resume2.out") s/iteration); archive: resumed at $(after "$work/inspect.out" 'resumed at iterations: ')," \
          "$(after "$work/inspect.out" 'metrics: ') metric rows; $(find "$dir/checkpoints" -type f | wc -l) checkpoints"
}

check_bench() {
  local precision=$1 channels_last=$2 out=$work/bench-$1-$2.out
  srm bench --config configs/celeba128.yaml --set data.path="$work/data/celeba128-synthetic.h5" \
    --set sampler.precision="$precision" --set model.channels_last="$channels_last" --set train.device=cuda \
    --set train.iterations="$KIT_BENCH_ITERATIONS" --set output.dir="$work/runs/bench-$precision-$channels_last" \
    --set output.overwrite=true 2>&1 | tee "$out"
  figures "**$(after "$out" 'images/s per rank: ') images/s** (batch $(after "$out" 'local batch ')," \
          "K 100); sampler $(grep -o 'sampler (K steps) *[0-9.]*' "$out" | awk '{print $NF}') ms," \
          "total $(grep -o '^ *total *[0-9.]*' "$out" | awk '{print $NF}') ms per iteration"
}

check_compare() {
  # compare.py's Fashion-MNIST workloads read Debian's dataset package, which this machine does
  # not have: its --binary is srm-dist with the synthetic IDX file as data.path for those.
  local wrapper=$work/srm-dist-compare
  cat >"$wrapper" <<EOF
#!/bin/sh
case " \$* " in
  *fashion_mnist*.yaml*) exec "$build_dir/src/srm-dist" "\$@" --set data.path="$work/data/fashion-synthetic-idx3-ubyte.gz" ;;
esac
exec "$build_dir/src/srm-dist" "\$@"
EOF
  chmod +x "$wrapper"
  "$KIT_PY" bench/compare.py --device cuda --repeats 1 --binary "$wrapper" 2>&1 | tee "$work/compare.out"
  figures "$(grep -o 'fp32 matmul.*GFLOP/s' "$work/compare.out"); srm-dist/PyTorch ms ratios:" \
          "$(awk -F'|' '/^\| [a-z]/ && $5 ~ /[0-9]/ {gsub(/ /, "", $5); printf "%s ", $5}' "$work/compare.out")(table below)"
}

# ---------------------------------------------------------------------------------------------
# run: steps, report
# ---------------------------------------------------------------------------------------------
step_titles=() step_results=() step_walls=() step_figures=() step_logs=() stopped=""
record() { step_titles+=("$1"); step_results+=("$2"); step_walls+=("$3"); step_figures+=("$4"); step_logs+=("$5"); }

# step TITLE LIMIT_S CHECK [ARGS]: runs check_CHECK under its own timeout (cut to what is left
# of the budget), then records PASS / FAIL (exit code) / TIMEOUT with its wall time and figures.
step() {
  local title=$1 limit=$2 check=$3; shift 3
  local n=${#step_titles[@]} left rc=0 t0 result log
  if [ -n "$stopped" ]; then skip "$title" "SRM_KIT_UNTIL=$stopped"; return 1; fi
  log=$work/logs/$(printf '%02d' "$n")-$check${1:+-$1}${2:+-$2}.log
  left=$((deadline - $(date +%s) - 15))
  if [ "$left" -lt 20 ]; then skip "$title" "out of time (budget ${KIT_BUDGET} s)"; return 1; fi
  [ "$limit" -le "$left" ] || limit=$left
  echo "== $title (limit $limit s)"
  t0=$(date +%s)
  timeout -k 10 "$limit" bash "$self" __check "$check" "$@" </dev/null >"$log" 2>&1 || rc=$?
  case $rc in
    0) result=PASS ;;
    124|137) result="TIMEOUT (${limit} s)" ;;
    *) result="FAIL (exit $rc)" ;;
  esac
  record "$title" "$result" "$(($(date +%s) - t0))" "$(sed -n 's/^FIGURES: //p' "$log" | tail -1)" "$log"
  echo "   $result"
  [ "$check" != "${SRM_KIT_UNTIL:-}" ] || stopped=$check
  write_report
  return "$rc"
}
skip() { record "$1" "skipped: $2" - "" ""; write_report; }

write_report() {
  local i tmp=$KIT_OUT/report.md.tmp
  {
    echo "# srm-dist device kit report"
    echo
    printf '%s\n' "${report_header[@]}"
    echo
    echo "| # | step | result | wall s | figures |"
    echo "| ---: | --- | --- | ---: | --- |"
    for i in "${!step_titles[@]}"; do
      echo "| $i | ${step_titles[i]} | ${step_results[i]} | ${step_walls[i]} | ${step_figures[i]//|/\\|} |"
    done
    if [ -f "$work/compare.out" ]; then
      echo; echo "## bench/compare.py --device cuda --repeats 1"; echo
      grep -E '^(fp32 matmul|\|)' "$work/compare.out"
    fi
    for i in "${!step_titles[@]}"; do
      [[ ${step_results[i]} == PASS || ${step_results[i]} == skipped* ]] && continue
      echo; echo "## $i. ${step_titles[i]}: ${step_results[i]} (last lines of ${step_logs[i]##*/})"; echo
      echo '```'; tail -n 30 "${step_logs[i]}"; echo '```'
    done
    echo; echo "Logs: logs.tar.gz (one log per step, the kit's MANIFEST, CMakeCache.txt, environment)."
  } >"$tmp"
  mv "$tmp" "$KIT_OUT/report.md"
  pack_logs
}

pack_logs() {
  local f
  for f in "$work"/logs/*.log; do   # keep the archive far below the 16 MiB a file may have
    [ -f "$f" ] && [ "$(stat -c %s "$f")" -gt 4194304 ] && { tail -c 4194304 "$f" >"$f.tail" && mv "$f.tail" "$f"; }
  done
  tar -czf "$KIT_OUT/logs.tar.gz" -C "$work" logs
}

# Hides the host's copies of the gathered packages (rehearsal, as root): a private mount
# namespace with empty folders over them, so the build can only use the kit.
hide_host_copies() {
  local d
  for d in /usr/include/hdf5 /usr/lib/$multiarch/hdf5 /usr/include/yaml-cpp /usr/include/gtest \
           /usr/include/gmock /usr/include/stb /usr/lib/$multiarch/openmpi /usr/lib/$multiarch/pmix2 \
           /usr/share/openmpi /etc/openmpi /usr/lib/$multiarch/cmake/yaml-cpp /usr/lib/$multiarch/cmake/GTest \
           /usr/lib/cmake/cxxopts /usr/include/google/protobuf /usr/include/plplot; do
    if [ -d "$d" ]; then
      mount -t tmpfs -o ro,size=1m srm-kit-hidden "$d" || die "cannot hide $d (SRM_KIT_HIDE_HOST=0 skips this)"
    fi
  done
  echo "== rehearsal in a private mount namespace: the host's copies of the kit's packages are hidden"
}

cmd_run() {
  local rehearse=0 outdir=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --rehearse) rehearse=1 ;;
      -*) die "run: unknown option '$1' (see --help)" ;;
      *) [ -z "$outdir" ] || die "run takes one OUTDIR"; outdir=$1 ;;
    esac
    shift
  done
  [ -n "$outdir" ] || die "run needs OUTDIR (on the device machine: \"\$OUT\")"
  local d   # these are emptied with rm -rf
  for d in "$kit_root" "$build_dir" "$work"; do
    case "$d" in /tmp/?*|/var/tmp/?*|/scratch/?*|"$HOME"/?*) ;; *) die "refusing to empty '$d': use a folder under /tmp" ;; esac
    [ "$(cd "$d" 2>/dev/null && pwd)" != "$root" ] || die "refusing to empty the source tree"
  done
  [ -f "$deb_dir/MANIFEST" ] || die "no gathered packages in $deb_dir: run 'launch/device_kit.sh prepare' first" \
                                    "(and carry ${kit_dir#"$root"/} to the device machine)"
  if [ "$rehearse" -eq 1 ] && [ "${SRM_KIT_HIDE_HOST:-1}" = 1 ] && [ -z "${KIT_HIDDEN:-}" ] &&
     [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
    export KIT_HIDDEN=1
    exec unshare -m bash "$self" run --rehearse "$outdir"
  fi
  [ -z "${KIT_HIDDEN:-}" ] || hide_host_copies
  mkdir -p "$outdir"
  export KIT_OUT KIT_REHEARSE=$rehearse KIT_PY KIT_JOBS KIT_GPU=0 KIT_TESTS KIT_BUDGET KIT_BENCH_ITERATIONS
  KIT_OUT=$(cd "$outdir" && pwd)
  KIT_JOBS=${SRM_JOBS:-$(nproc)}
  KIT_BENCH_ITERATIONS=${SRM_KIT_BENCH_ITERATIONS:-3}
  KIT_PY=${SRM_TORCH_PYTHON:-$HOME/.local/share/srm-dist/venv/bin/python}   # setup.sh's venv here
  if [ ! -x "$KIT_PY" ]; then
    [ -z "${SRM_TORCH_PYTHON:-}" ] || die "SRM_TORCH_PYTHON=$SRM_TORCH_PYTHON is not an executable"
    KIT_PY=$(command -v python3) || die "no python3 on this machine (set SRM_TORCH_PYTHON)"
  fi
  if [ "$rehearse" -eq 1 ]; then
    KIT_BUDGET=${SRM_KIT_BUDGET:-10800}
    KIT_TESTS=${SRM_KIT_TESTS-'^(Config|Cli|CheckpointFile|CheckpointStore|RunArchive|Hdf5ImageSet|IdxReader|WritePng|ImageGrid|PrepareImages|CommunicatorChoice)\.'}
    export CUDA_VISIBLE_DEVICES=""
  else
    KIT_BUDGET=${SRM_KIT_BUDGET:-530}
    KIT_TESTS=${SRM_KIT_TESTS:-}
    timeout 30 nvidia-smi -L >/dev/null 2>&1 &&
      timeout 60 "$KIT_PY" -c 'import sys, torch; sys.exit(not torch.cuda.is_available())' 2>/dev/null && KIT_GPU=1
  fi
  [ -x /usr/local/cuda/bin/nvcc ] && CUDA_BIN=/usr/local/cuda/bin
  deadline=$(($(date +%s) + KIT_BUDGET))
  export_kit_env
  rm -rf "$work" && mkdir -p "$work/logs"
  cp "$deb_dir/MANIFEST" "$work/logs/MANIFEST"
  env | grep -E '^(PATH|LD_LIBRARY_PATH|OPAL_|PMIX_|OMPI_|HDF5_|CUDA_|NCCL_|SRM_)' | sort >"$work/logs/environment"
  cd "$root"

  local gpu_line="none visible"
  [ "$KIT_GPU" -eq 0 ] ||
    gpu_line=$(timeout 30 nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1 || true)
  report_header=(
    "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); mode: $([ "$rehearse" -eq 1 ] && echo 'CPU rehearsal' || echo 'GPU machine')${KIT_HIDDEN:+, the host copies of the kit packages hidden}"
    "- source: $(git rev-parse --short HEAD 2>/dev/null || echo 'no git metadata')$(git status --porcelain 2>/dev/null | grep -q . && echo ' + uncommitted changes')"
    "- host: $(sed -n 's/^PRETTY_NAME=//p' /etc/os-release 2>/dev/null | tr -d '"'), $(uname -m), $(nproc) cores, $(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB"}'), glibc $(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')"
    "- GPU: $gpu_line"
    "- CUDA toolkit: $( (nvcc --version 2>/dev/null || echo 'release none') | grep -o 'release [0-9a-z.]*' | head -1 | sed 's/release //') (${CUDA_BIN:-no /usr/local/cuda/bin/nvcc})"
    "- torch: $(timeout 60 "$KIT_PY" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda)' 2>/dev/null || echo "not importable by $KIT_PY") ($KIT_PY)"
    "- tools: $(cmake --version 2>/dev/null | head -1 || echo 'no cmake'); ninja $(ninja --version 2>/dev/null || echo none); $( ("${CXX:-c++}" --version 2>/dev/null || echo 'no c++') | head -1)"
    "- kit: $(wc -l <"$deb_dir/MANIFEST") packages, $(mib "$(du -cb "$deb_dir" | tail -1 | cut -f1)") MiB; build $build_dir with $KIT_JOBS jobs; budget $KIT_BUDGET s"
  )
  write_report

  local gpu_reason="no GPU"
  [ "$rehearse" -eq 1 ] || gpu_reason="no GPU visible (nvidia-smi -L / torch.cuda.is_available())"
  local limits   # per-step time limits: the GPU machine's, or generous ones for the 2-core rehearsal
  if [ "$rehearse" -eq 1 ]; then limits=(120 900 9000 120 3600 300 1800); else limits=(60 150 330 60 120 60 120); fi
  # [0] unpack [1] configure [2] build [3] data [4] unit tests [5] one mpirun run [6] run + resume
  if step "unpack the kit into $kit_root" "${limits[0]}" unpack &&
     step "configure (cmake, dependencies from the kit)" "${limits[1]}" configure &&
     step "build srm-dist, srm_unit_tests ($KIT_JOBS jobs)" "${limits[2]}" build; then
    step "synthetic data (HDF5 128x128 RGB, IDX 28x28)" "${limits[3]}" data || true
    step "unit tests (ctest -L unit)" "${limits[4]}" unit || true
    step "mpirun -np 1, dist.backend=mpi, CPU" "${limits[5]}" mpi_cpu || true
    if [ "$KIT_GPU" -eq 1 ]; then
      step "NCCL at world size 1 (mpirun -np 1, dist.backend=nccl, rings)" 60 nccl || true
      step "celeba128 short run + --resume (GPU)" "${limits[6]}" resume || true
      local precision layout   # channels-last (the default) first: what runs out of time goes last
      for layout in true false; do
        for precision in fp32 tf32 bf16; do
          step "bench celeba128.yaml: sampler.precision=$precision, model.channels_last=$layout" 75 bench "$precision" "$layout" || true
        done
      done
      step "bench/compare.py --device cuda (srm-dist vs plain PyTorch)" 150 compare || true
    else
      skip "NCCL at world size 1 (mpirun -np 1, dist.backend=nccl, rings)" "$gpu_reason"
      step "celeba128-shaped short run + --resume (CPU, small model)" "${limits[6]}" resume || true
      skip "bench celeba128: sampler.precision fp32/tf32/bf16 x model.channels_last true/false" "$gpu_reason"
      skip "bench/compare.py --device cuda" "$gpu_reason"
    fi
  fi
  write_report
  echo "== report: $KIT_OUT/report.md (logs: $KIT_OUT/logs.tar.gz)"
  grep -E '^\| [0-9]' "$KIT_OUT/report.md" | awk -F' [|] ' '{printf "  %3s  %-72.72s  %s\n", substr($1, 3), $2, $3}'
}

# ---------------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------------
case "${1:-}" in
  prepare) shift; [ $# -eq 0 ] || die "prepare takes no arguments (see --help)"; cmd_prepare ;;
  run) shift; cmd_run "$@" ;;
  __check) shift; export_kit_env; cd "$root"; "check_$1" "${@:2}" ;;   # a step, in its own process
  -h|--help|help) usage ;;
  "") usage >&2; exit 2 ;;
  *) die "unknown command '$1' (see --help)" ;;
esac
