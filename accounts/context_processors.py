from . import selectors


def navigation(request):
    """The left menu: only what the user's roles allow (rights are still checked again by each view)."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated or user.needs_password_change:
        return {}  # until the one-time password is changed every link leads back to the password page
    items = selectors.menu_for(user)
    # The active item is the one whose URL is the longest prefix of the current path.
    matches = [i for i in items if request.path == i.url or (i.url != "/" and request.path.startswith(i.url))]
    if matches:
        max(matches, key=lambda i: len(i.url)).active = True
    return {"nav": items}
