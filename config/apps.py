from django.contrib.staticfiles.apps import StaticFilesConfig


class ProjectStaticFilesConfig(StaticFilesConfig):
    """viewflow ships ~50 MB of its own Material frontend (and a broken node_modules CSS); we use our own
    templates, so none of it is collected or served."""

    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "viewflow", "node_modules"]
