"""Events the declarations app emits for the apps to its right (the review chain listens)."""

from django.dispatch import Signal

# Sent once, after the transaction that submitted a dossier commits. Arguments: declaration_id, resubmission
# (True when a dossier returned to the applicant is submitted again into the same route).
declaration_submitted = Signal()
