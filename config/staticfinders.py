from django.contrib.staticfiles.finders import AppDirectoriesFinder

# Apps whose bundled static files are never collected or served: viewflow ships ~50 MB of its own Material
# frontend (and a node_modules CSS that points at missing fonts); we use our own templates.
SKIPPED_APPS = {"viewflow"}


class ProjectAppDirectoriesFinder(AppDirectoriesFinder):
    def __init__(self, app_names=None, *args, **kwargs):
        super().__init__(app_names, *args, **kwargs)
        self.apps = [a for a in self.apps if a not in SKIPPED_APPS]
        for name in SKIPPED_APPS:
            self.storages.pop(name, None)
