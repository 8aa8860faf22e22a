"""The review chain's side of the declarations events."""

from . import services


def on_submitting(sender, declaration, user, resubmission, **kwargs):
    if resubmission:
        services.process_resume(declaration=declaration, user=user)
    else:
        services.process_start(declaration=declaration, user=user)


def on_withdrawing(sender, declaration, user, **kwargs):
    services.withdraw(user=user, declaration=declaration)
