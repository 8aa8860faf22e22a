"""Events the declarations app emits for the apps to its right (the review chain listens)."""

from django.dispatch import Signal

# Sent once, after the transaction that submitted a dossier commits. Arguments: declaration_id, resubmission
# (True when a dossier returned to the applicant is submitted again into the same route).
declaration_submitted = Signal()

# Sent INSIDE the submitting transaction, after the dossier is frozen: the review chain computes the route and
# starts (or resumes) its process here. A receiver refuses the submission by raising ValidationError — the
# whole submission then rolls back. Arguments: declaration, user, resubmission.
declaration_submitting = Signal()

# Sent inside the withdrawing transaction; the review chain ends its process or refuses (ValidationError) when
# a reviewer has already acted. Arguments: declaration, user.
declaration_withdrawing = Signal()
