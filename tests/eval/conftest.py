# The real-code evaluation needs the package registry and minutes of analysis: it is run by
# `python tests/eval/run_eval.py`, never collected by the unit-test run.
collect_ignore_glob = ["*"]
