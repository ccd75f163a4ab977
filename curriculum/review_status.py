"""The program's review status of each topic, worked out from its approved versions and its
decisions about shipped texts (knows no Flask and no session; served_library feeds it rows).

A topic is *approved as shipped* (its file's text, or the shipped text the program approved
before an upgrade changed the file), *approved with changes* (an approved version), or *not
yet reviewed*. Its shipped text *changed since the approval* when the file's text is no longer
the one the program last reviewed.
"""

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from models import ShippedReviewDecision


class ReviewState(enum.StrEnum):
    AS_SHIPPED = "approved as shipped"
    WITH_CHANGES = "approved with changes"
    NOT_REVIEWED = "not yet reviewed"


@dataclass(frozen=True)
class Decision:
    """One row of ``ShippedTopicReview``, without its text."""

    id: int
    slug: str
    decision: ShippedReviewDecision
    shipped_hash: str


@dataclass(frozen=True)
class ReviewStatus:
    state: ReviewState
    version: int | None = None  # the approved version, when approved with changes
    # The decision whose shipped text is served in place of a file that changed since (or
    # went): the program keeps what it approved until an approver acts.
    held: Decision | None = None
    # The file's text differs from the shipped text the program last reviewed.
    shipped_changed: bool = False

    @property
    def is_approved(self) -> bool:
        return self.state != ReviewState.NOT_REVIEWED


NOT_REVIEWED = ReviewStatus(ReviewState.NOT_REVIEWED)


def review_statuses(file_hashes: dict[str, str], approved: dict[str, int],
                    decisions: Iterable[Decision]) -> dict[str, ReviewStatus]:
    """Each topic's status from its file's hash (``file_hashes``, by slug), its approved
    version's number (``approved``) and every decision on shipped texts, oldest first."""
    latest: dict[str, Decision] = {}
    approved_as_shipped: dict[str, Decision] = {}
    for decision in decisions:
        latest[decision.slug] = decision
        if decision.decision == ShippedReviewDecision.APPROVED:
            approved_as_shipped[decision.slug] = decision
    statuses = {}
    for slug in file_hashes.keys() | approved.keys() | approved_as_shipped.keys():
        file_hash = file_hashes.get(slug)
        changed = (file_hash is not None and slug in latest
                   and latest[slug].shipped_hash != file_hash)
        if slug in approved:
            statuses[slug] = ReviewStatus(ReviewState.WITH_CHANGES, approved[slug],
                                          shipped_changed=changed)
        elif (kept := approved_as_shipped.get(slug)) is not None:
            held = kept if kept.shipped_hash != file_hash else None
            statuses[slug] = ReviewStatus(ReviewState.AS_SHIPPED, held=held,
                                          shipped_changed=changed)
        else:
            statuses[slug] = NOT_REVIEWED
    return statuses
