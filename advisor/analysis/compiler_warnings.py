"""Keep Python's compiler quiet about the code being scanned.

Reading a literal's value (``ast.literal_eval``), recovering line numbers (``ast.parse``) and
checking a fix (``compile``) all run CPython's compiler over the scanned code, which warns about
what it finds there: an invalid escape sequence such as ``"\\d"`` is a ``SyntaxWarning`` from
Python 3.12 on, printed on stderr once per literal. Those warnings are about someone else's code,
not about this run, and would bury the findings; the code is never executed either way.
"""

from __future__ import annotations

import warnings


def silence() -> None:
    """Ignore compiler warnings for the rest of the process (the CLI and each worker)."""
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    # Python 3.10/3.11 raise the same warning as a DeprecationWarning
    warnings.filterwarnings(
        "ignore", message=r"invalid escape sequence", category=DeprecationWarning
    )
