"""The command line: the first stage and the last.

Takes in ``sys.argv`` (and, for ``--daemon``, a command line handed over a Unix socket). Gives
out the report on standard output or in files, and the exit status. ``launcher`` is the console
script: it tries a replay (``advisor.speed.replay``) or the resident process (``resident``)
before importing click; ``main`` holds the click commands, which build the configuration and
hand the run to ``advisor.engine``. Nothing outside this package imports it.
"""
