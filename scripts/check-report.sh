#!/usr/bin/env bash
# Renders SeriesLens reports in headless Chromium and fails loudly on a blank or broken page.
#
# usage: scripts/check-report.sh [REPORT_DIR ...]
#   Each REPORT_DIR holds report.html and figures/*.svg (what `HTMLReport.write` produces). Without
#   arguments the sample reports are generated first by the ReportsTests sample test (a release
#   build of the tests in $SERIESLENS_SCRATCH_PATH, default .build as `make test` uses) and both the
#   run and the comparison report are checked.
#
# For each report: every figures/*.svg must be well-formed XML; Chromium's DOM of report.html must
# hold one <svg> per figure file and no <script>; a screenshot of the page top must not be blank;
# and each figure, screenshotted on its own at its own size, must have at least 1 % ink (pixels that
# differ from the background). Screenshots are left in REPORT_DIR/screenshots/ for a human to look at.
# Needs chromium (apt-get install chromium) and python3; exits non-zero with the reason otherwise.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"

fail() { echo "check-report: FAIL: $*" >&2; exit 1; }

browser=""
for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then browser="$candidate"; break; fi
done
[ -n "$browser" ] || fail "no chromium on PATH (install it: apt-get install chromium)"
command -v python3 >/dev/null 2>&1 || fail "python3 is needed to inspect the screenshots"

if [ "$#" -eq 0 ]; then
    sample="$(mktemp -d "${TMPDIR:-/tmp}/serieslens-report-check.XXXXXX")"
    echo "check-report: generating the sample reports in $sample"
    flags=(-c release -Xswiftc -enable-testing -Xcc -march=native --scratch-path "$root/${SERIESLENS_SCRATCH_PATH:-.build}")
    (cd "$root" && swift build --build-tests "${flags[@]}" >/dev/null) || fail "building the tests failed"
    (cd "$root" && SERIESLENS_SAMPLE_REPORT_DIR="$sample" swift test --skip-build "${flags[@]}" --filter SampleReportTests) \
        || fail "the sample report test failed"
    set -- "$sample" "$sample/comparison"
fi

run_browser() { timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars "$@" 2>/dev/null; }

for dir in "$@"; do
    html="$dir/report.html"
    [ -s "$html" ] || fail "$html is missing or empty"
    shopt -s nullglob
    figures=("$dir"/figures/*.svg)
    shopt -u nullglob
    [ "${#figures[@]}" -gt 0 ] || fail "$dir/figures has no .svg files"
    shots="$dir/screenshots"
    mkdir -p "$shots"

    for svg in "${figures[@]}"; do
        python3 -c 'import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1])' "$svg" \
            || fail "$svg is not well-formed XML"
    done

    dom="$(run_browser --dump-dom "file://$(realpath "$html")")" || fail "chromium could not load $html"
    inline="$( (grep -o '<svg ' <<<"$dom" || true) | wc -l)"
    [ "$inline" -eq "${#figures[@]}" ] || fail "$html: chromium sees $inline inline <svg> elements for ${#figures[@]} figure files"
    if grep -qi '<script' <<<"$dom"; then fail "$html contains a <script> element"; fi

    run_browser --screenshot="$shots/page.png" --window-size=1280,2400 "file://$(realpath "$html")" >/dev/null \
        || fail "chromium could not screenshot $html"
    python3 "$here/png_ink.py" "$shots/page.png" 0.02 "$html (top 2400 px)" || fail "$html renders blank"

    for svg in "${figures[@]}"; do
        name="$(basename "$svg" .svg)"
        size="$(sed -n '1s/.*width="\([0-9.]*\)" height="\([0-9.]*\)".*/\1,\2/p' "$svg")"
        [ -n "$size" ] || fail "$svg has no width/height on its first line"
        width="${size%,*}"; height="${size#*,}"
        run_browser --screenshot="$shots/$name.png" --window-size="${width%.*},${height%.*}" "file://$(realpath "$svg")" >/dev/null \
            || fail "chromium could not screenshot $svg"
        python3 "$here/png_ink.py" "$shots/$name.png" 0.01 "$name" || fail "$svg renders blank"
    done
    echo "check-report: OK $html (${#figures[@]} figures; screenshots in $shots)"
done
