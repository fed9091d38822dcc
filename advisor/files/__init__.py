"""Finding and reading the files to check.

Takes in the paths of the command line and the configuration's excludes. Gives out the files to
analyse (``discovery``: gitignore-aware, symlink-safe, with a ``WalkRecord`` of what the walk
looked at) and each one's text as a ``SourceFile`` (``source``: size limit, encoding, line
offsets).
"""
