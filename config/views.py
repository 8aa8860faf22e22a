from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A Chinese page for an expired form (the default one is English); nothing was carried out."""
    return render(request, "403_csrf.html", status=403)
