from django import template

register = template.Library()


@register.simple_tag
def pending_review_count(user) -> int:
    """待办 count for the home page (WFL-3, 001 §2.1): the same query as the inbox."""
    from workflow.selectors import inbox

    if not user or not user.is_authenticated:
        return 0
    return inbox(user).count()
