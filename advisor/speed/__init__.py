"""Not doing the same work twice.

Takes in what a run would compute from: file contents and stats, the analyzer's own code and
rules (``fingerprint``), the configuration. Gives out what an earlier run computed when nothing
it depended on changed: per-file facts (``cache``), the walk of the tree (``walk_cache``) and a
whole check's output (``replay``, answered by the console script before click is imported).
Changes no result, only how fast it comes.
"""
