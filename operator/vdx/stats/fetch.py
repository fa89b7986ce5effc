"""Reading one time window of history: conferences that ended in it, and their participants.

Conferences are listed by `end_time` (spec §3.2's export recipe) in windows no larger than
`--window-hours`; a window that reaches `WINDOW_CAP` conferences is split in halves before it gets
near Pexip's retention of 10 000 conferences, which also keeps offset paging short while the node
evicts old records. Participants are listed once per window by their own `end_time` (they end
between their conference's start and end) and matched to conferences by URI; any participant a
conference lists but the range missed is read by its URI, so none is lost to clock skew.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from vdx.pexip import HISTORY_CONFERENCE, HISTORY_PARTICIPANT, NotFoundError, PexipClient, id_from_location
from vdx.pexip.models import HistoryConference, HistoryParticipant
from vdx.stats.periods import WINDOW_CAP, Window

PAGE_SIZE = 1000
# Participant records may carry times a little outside their conference's (node clocks, rounding).
MARGIN = timedelta(minutes=5)


@dataclass
class FetchedConference:
    conference: HistoryConference
    participants: list[HistoryParticipant]
    missing_participants: int = 0


async def conferences_in(
    client: PexipClient, window: Window, *, cap: int = WINDOW_CAP, page_size: int = PAGE_SIZE
) -> list[HistoryConference]:
    """Conferences with end_time in [start, end), splitting the window while it holds `cap` or more."""
    found: dict[str, HistoryConference] = {}
    filters = {"end_time__gte": window.start, "end_time__lt": window.end}
    async for conference in client.iterate(
        HISTORY_CONFERENCE, filters=filters, order_by="end_time", page_size=min(page_size, cap)
    ):
        found[conference.id] = conference
        if len(found) >= cap and window.splittable:
            first, second = window.halves()
            return [
                *await conferences_in(client, first, cap=cap, page_size=page_size),
                *await conferences_in(client, second, cap=cap, page_size=page_size),
            ]
    return list(found.values())


async def fetch_window(
    client: PexipClient, window: Window, *, cap: int = WINDOW_CAP, page_size: int = PAGE_SIZE
) -> list[FetchedConference]:
    conferences = await conferences_in(client, window, cap=cap, page_size=page_size)
    if not conferences:
        return []
    by_id: dict[str, dict[str, HistoryParticipant]] = {c.id: {} for c in conferences}
    starts = [c.start_time or c.end_time for c in conferences]
    low = min(s for s in starts if s is not None) - MARGIN
    async for participant in client.history_participants(low, window.end + MARGIN, page_size=page_size):
        if participant.conference is None:
            continue
        owner = by_id.get(id_from_location(participant.conference))
        if owner is not None:
            owner[participant.id] = participant
    out: list[FetchedConference] = []
    for conference in conferences:
        have = by_id[conference.id]
        missing = 0
        for uri in conference.participants:
            if id_from_location(uri) in have:
                continue
            try:
                extra = await client.get_by_uri(HISTORY_PARTICIPANT, uri)
            except NotFoundError:
                missing += 1
                continue
            have[extra.id] = extra
        ordered = sorted(have.values(), key=lambda p: (p.start_time is None, p.start_time, p.id))
        out.append(FetchedConference(conference, ordered, missing))
    return out
