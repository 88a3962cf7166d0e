"""The leaderboard and recognition pages through HTTP."""

from __future__ import annotations

from tests.helpers import text


def test_the_leaderboard_pages_searches_and_explains_ties(app, make, login):
    me = make.advocate(name="Viewer Vera")
    for number in range(55):
        make.points(make.advocate(name=f"Board Person {number:02d}"), 1000 - number)
    tied = [make.advocate(name=f"Twin {n}") for n in ("A", "B")]
    for person in tied:
        make.points(person, 500)
    client = login(me)
    first = text(client.get("/leaderboard"))
    assert "Page 1 of 2" in first  # 57 shown: 50 a page
    assert "Tier held" in first
    assert "share a rank" not in first.split("Page 1 of 2")[0].split("Points")[-1]
    second = text(client.get("/leaderboard?page=2"))
    assert "Page 2 of 2" in second
    assert "Advocates with the same points share a rank" in second
    found = text(client.get("/leaderboard?q=twin"))
    # The real rank on the whole board: 55 higher scores above 500.
    assert "56 Twin A" in found and "56 Twin B" in found
    assert "Board Person" not in found and "Page" not in found
    assert "Nobody by that name" in text(client.get("/leaderboard?q=nobody%25here"))
