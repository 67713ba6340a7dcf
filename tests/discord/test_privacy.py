"""/forget-me erases a member's questions, feedback and checkups, and says how many."""

from __future__ import annotations

from tests.discord.conftest import MEMBER_ID, Harness


async def test_forget_me_deletes_and_counts(harness: Harness) -> None:
    [call] = await harness.slash("ask", options={"question": "will ending an unpaid contract hurt my JSS?"})
    helpful = next(cid for cid in call.custom_ids if cid.startswith("jss:fb:") and cid.endswith(":1"))
    await harness.click(call, helpful)
    await harness.slash("checkup")
    [done] = await harness.slash("forget-me")
    assert done.ephemeral
    assert done.embeds[0]["description"] == "Done: 3 records deleted (1 questions, 1 feedback, 1 checkups)."
    assert await harness.service.storage.forget_user(str(MEMBER_ID)) == {"questions": 0, "feedback": 0, "checkups": 0}
    [again] = await harness.slash("forget-me")
    assert again.embeds[0]["description"] == "I had nothing stored about you."
