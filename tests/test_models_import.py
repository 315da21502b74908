"""shopdesk.models skips Tortoise's reading of model source code for ``#:`` comments."""

from __future__ import annotations

import inspect
import subprocess
import sys


def test_tortoise_still_reads_comments_through_the_hook_we_replace():
    import tortoise.models

    import shopdesk.models

    # If Tortoise renames or drops this hook, the override silently stops saving time.
    assert tortoise.models._get_comments is shopdesk.models._no_field_comments
    assert "_get_comments(new_class)" in inspect.getsource(tortoise.models.ModelMeta.__new__)


def test_importing_the_models_reads_no_source_file():
    code = (
        "import inspect\n"
        "calls = []\n"
        "real = inspect.getsource\n"
        "inspect.getsource = lambda obj: calls.append(getattr(obj, '__module__', 0)) or real(obj)\n"
        "import shopdesk.models\n"
        "print(calls.count('shopdesk.models'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


def test_models_keep_their_table_descriptions():
    from shopdesk.models import Change

    assert Change._meta.table_description.startswith("The change feed")
