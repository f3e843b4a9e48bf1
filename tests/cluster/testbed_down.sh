#!/bin/bash
# Last cluster test: tears the test bed down (idempotent; a no-op where it never came up).
[ "$(id -u)" -eq 0 ] || { echo "SKIPPED: not root"; exit 77; }
bash "${SRM_SOURCE_DIR:?}/cluster/testbed/testbed_down.sh"
