# Sourced by .ci/run: which versions the test install may take.
#
# CI and the README's test command install exactly the versions in constraints.txt, tested
# together. WATCHLIST_CI_NEWEST=1 installs the newest releases instead (what a fresh
# `pip install watchlist` would get today), to learn before users do whether a new release
# breaks something; .ci/refresh-constraints then pins them once the suite passes.
if [ -n "${WATCHLIST_CI_NEWEST:-}" ]; then
    WATCHLIST_PIP_CONSTRAINTS=()
    echo "Installing the newest releases of every dependency (WATCHLIST_CI_NEWEST is set)"
else
    WATCHLIST_PIP_CONSTRAINTS=(-c constraints.txt)
fi
