#!/usr/bin/env bash
# The system packages the tests use beyond Python: jekyll (the reference site builder, with
# the jekyll-feed, jekyll-paginate and jekyll-sitemap plugins old mirrors use),
# chromium and CJK fonts (the browser tests and their screenshots), git (publishing), node
# (runs the search page's script in the tests) and python3-venv (for .venv). (`make bench`
# also uses npm, to install Pagefind for its comparison.) `make test` runs this first.
#
# As root on Debian/Ubuntu (apt-get present), it installs whatever is missing. Elsewhere it
# installs nothing and says what is missing; the tests that need it are then skipped with
# that reason (pytest's "optional tools" section lists them). Set NEWSVAULT_NO_APT=1 to
# never run apt-get. Exits non-zero only when apt-get itself fails.
set -euo pipefail

need=()      # Debian package names
check() {    # check PACKAGE TEST...: PACKAGE is needed unless one TEST command succeeds
    local package=$1; shift
    local test
    for test in "$@"; do
        if eval "$test" >/dev/null 2>&1; then return 0; fi
    done
    need+=("$package")
}

check jekyll          "command -v jekyll"
# the plugins of the old sites `init` adopts (tests/test_adopt_site.py builds one with them)
check ruby-jekyll-feed      "ruby -e 'require \"jekyll-feed\"'"
check ruby-jekyll-paginate  "ruby -e 'require \"jekyll-paginate\"'"
check ruby-jekyll-sitemap   "ruby -e 'require \"jekyll-sitemap\"'"
check chromium        "command -v chromium" "command -v chromium-browser"
check git             "command -v git"
check nodejs          "command -v node"
check fonts-noto-cjk  "fc-list :lang=zh | grep -q ."
check python3-venv    "${PYTHON:-python3} -c 'import ensurepip, venv'"

if ((${#need[@]} == 0)); then
    exit 0
fi

if [[ $(id -u) == 0 && -z ${NEWSVAULT_NO_APT:-} ]] && command -v apt-get >/dev/null; then
    echo "setup-system: apt-get install ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    exit 0
fi

echo "setup-system: not installed: ${need[*]}"
echo "setup-system: (as root on Debian, \`make setup-system\` installs them; without them the"
echo "setup-system:  tests that need them are skipped, and say so at the end of the run)"
