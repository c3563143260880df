#!/bin/sh
# What CI runs: every runbook and action valid (file:line:col on errors), every fixture replays.
# `runbook test --min-coverage 100 dir-budget` also fails when a transition of the runbook has no fixture.
set -eu
runbook validate
runbook test
