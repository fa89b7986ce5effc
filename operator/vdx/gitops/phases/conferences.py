"""What the plan knows of conferences that three kinds touch (MeetingRoom, Tenant, CviBranding).

A conference a MeetingRoom manages is left to it by the Tenant's room defaults; a conference that
takes a theme in this plan keeps it when an old theme is deleted; a conference being deleted needs
no theme taken off first. Kept here so none of those kinds' modules imports another's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vdx.gitops.offline import OfflinePlanner


@dataclass
class Conferences:
    managed: set[str] = field(default_factory=set)  # by a MeetingRoom of the tree
    with_theme: set[str] = field(default_factory=set)  # given a theme by a step of this plan
    deleted: set[str] = field(default_factory=set)  # deleted by a step of this plan


def of(planner: OfflinePlanner) -> Conferences:
    return planner.state("conferences", Conferences)
