"""The learner's own data under UK GDPR (/mydata): what is stored, a copy, and erasure.

The copy comes in chat as JSON text (split into parts a chat can carry): no link that
could be forwarded or leak, and it works on every channel. Erasure asks once more before
it happens, then deletes everything about the learner in the same transaction (see
storage/gdpr.py).
"""

from __future__ import annotations

from bot.decision import Context, Decision, Needs, say, text
from bot.messages import Choice, Outbound
from bot.records import EraseLearner, PersonalData
from bot.state import LearnerState

DOWNLOAD = "md:download"
ERASE = "md:erase"
ERASE_YES = "md:erase:yes"
ERASE_NO = "md:erase:no"
PRESSES = frozenset({DOWNLOAD, ERASE, ERASE_YES, ERASE_NO})
PART_CHARS = 3500  # under Telegram's 4,096 and Teams' and Slack's limits, with the heading


def read_press(raw: str) -> str | None:
    """One of /mydata's buttons; None if the payload is not one."""
    return raw if raw in PRESSES else None


def press_needs(payload: str) -> Needs:
    """What `press` reads: the personal data for the download only."""
    return Needs(my_data=payload == DOWNLOAD)


def show(state: LearnerState, ctx: Context) -> Decision:
    """/mydata: what is stored about the learner, in plain words, with the choices."""
    t = ctx.texts
    data = ctx.my_data
    if data is None:
        return say(state, text(t.mydata_unavailable))
    body = t.mydata_summary.format(
        council=data.council or t.mydata_no_council,
        platforms=t.list_and.join(data.platforms) or "-",
        roster=t.mydata_roster_yes if data.has_roster_details else t.mydata_roster_no,
        modules=data.modules,
        answers=data.answers,
        cards=data.cards,
        reviews=data.reviews,
        deliveries=data.deliveries,
        assessments=data.assessments,
        roles=data.roles,
    )
    return say(
        state,
        text(
            body, Choice(DOWNLOAD, t.mydata_download_button), Choice(ERASE, t.mydata_erase_button)
        ),
    )


def press(state: LearnerState, payload: str, ctx: Context) -> Decision:
    """One of /mydata's buttons."""
    t = ctx.texts
    if payload == DOWNLOAD:
        if ctx.my_data is None:
            return say(state, text(t.mydata_unavailable))
        return say(state, *download(ctx.my_data, ctx))
    if payload == ERASE:
        return say(
            state,
            text(
                t.mydata_erase_confirm,
                Choice(ERASE_YES, t.mydata_erase_yes_button),
                Choice(ERASE_NO, t.mydata_erase_no_button),
            ),
        )
    if payload == ERASE_YES:
        # The state is returned unchanged so nothing writes the learner back after the
        # erasure effect has deleted it.
        return Decision(state, (text(t.mydata_erased),), effects=(EraseLearner(),))
    return say(state, text(t.mydata_kept))


def download(data: PersonalData, ctx: Context) -> tuple[Outbound, ...]:
    """The full copy as JSON text, in parts no longer than a chat message allows."""
    t = ctx.texts
    chunks = [
        data.document[start : start + PART_CHARS]
        for start in range(0, len(data.document), PART_CHARS)
    ] or ["{}"]
    intro = text(t.mydata_download_intro.format(parts=len(chunks)))
    return (intro, *(text(chunk) for chunk in chunks))
