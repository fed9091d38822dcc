"""From a file's text to its facts.

Takes in a ``SourceFile``. ``analyzer`` prefilters it, parses it once (``parsing``: libcst,
hardened, time-limited), indexes it (``index``, ``imports``, ``walk``: imports, scopes,
assignments, calls), follows values (``values``), builds the ``ModuleContext`` (``context``) and
runs the detectors (``advisor.detectors``) on it; ``appkind`` reads application-kind evidence
from the text and the project's packaging files. Gives out ``FileFacts``: usages, secrets,
transport facts and application evidence. Knows nothing of the policy.
"""
