# Project-local Jupyter server configuration, used by `make lab` (jupyter lab --config=<this file>).
#
# JupyterLab autosaves an open notebook with the metadata its kernel reported (language_info with the
# Python version, ...). Saved as is, the notebook is no longer in the normal form that
# tests/test_notebook_hygiene.py::test_normalised expects, and `make test` fails for a reader who edited
# nothing. This pre-save hook applies the normaliser of tools/notebooks.py to every notebook saved through
# the server, so that what JupyterLab writes is the normal form: an unedited notebook is saved byte for
# byte as it was. tests/test_lab_autosave.py drives a real server with this file to show it.
#
# Without make:  jupyter lab --config=jupyter_server_config.py notebooks/00_how_to_read.ipynb

import importlib.util
import os

_TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tools", "notebooks.py")
_spec = importlib.util.spec_from_file_location("emlib_notebook_tools", _TOOL)
_tools = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_tools)


def normalise_before_save(model, path, contents_manager, **kwargs):
    """Pre-save hook: bring a notebook into the project's normal form before it is written."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    import nbformat

    nb = nbformat.from_dict(model["content"])
    if nb.get("nbformat", 4) != 4:
        return  # an nbformat 3 notebook: leave it to the server's own conversion
    model["content"] = _tools.normalise(nb)
    contents_manager.log.debug("emlib: normalised %s before saving it", path)


c = get_config()  # noqa: F821 - provided by Jupyter's config loader
c.ContentsManager.pre_save_hook = normalise_before_save
