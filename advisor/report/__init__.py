"""The architect's report (``treddy-advisor report``).

Takes in a ``ScanResult`` (after suppressions and baseline), the policy and the rule catalogue,
or many ``check --format json`` documents (``portfolio``). Gives out one HTML or Markdown page:
``report`` builds a plain view model and renders it with the Jinja templates in ``templates/``;
``migration`` holds the code snippets of the recommended changes.
"""
