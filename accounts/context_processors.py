from . import selectors


def navigation(request):
    """The left menu: only what the user's roles allow (rights are still checked again by each view)."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {"nav": selectors.menu_for(user)}
