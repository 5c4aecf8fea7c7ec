"""The float map drawn as SVG: every office with a position is a dot inside its town's
panel, marked when below its threshold; nothing is fetched from anywhere."""

import re

from app.network.service import OfficeFloat
from app.web.map_svg import MARGIN, PANEL, office_map, project


def level(code, town, lat, lon, total=0, threshold=0):
    return OfficeFloat(code, f"Bureau <{code}>", town, lat, lon, 1, total, threshold)


def test_points_are_projected_inside_the_panel_north_up():
    points = project([(-4.21, 15.28), (-4.30, 15.24), (-4.26, 15.29)], PANEL)
    for x, y in points:
        assert MARGIN - 0.01 <= x <= PANEL - MARGIN + 0.01
        assert MARGIN - 0.01 <= y <= PANEL - MARGIN + 0.01
    assert points[0][1] < points[1][1]  # the northern office is drawn higher


def test_one_office_alone_is_drawn_in_the_middle():
    assert project([(-4.78, 11.86)], PANEL) == [(PANEL / 2, PANEL / 2)]


def test_each_town_gets_its_panel_and_an_office_below_threshold_is_marked():
    drawn = str(
        office_map(
            [
                level("BZV-PP", "Brazzaville", -4.258, 15.279, total=10, threshold=100),
                level("BZV-BC", "Brazzaville", -4.29, 15.264, total=500, threshold=100),
                level("PNR-CE", "Pointe-Noire", -4.777, 11.863),
                level("NOGPS", "Ouésso", None, None),
            ],
            title="Carte",
            alert_label="sous le seuil",
            ok_label="ok",
        )
    )
    assert drawn.count("<circle") == 3 and "Ouésso" not in drawn
    assert drawn.count(">!</text>") == 1
    assert "Bureau &lt;BZV-PP&gt; : 10 FCFA (sous le seuil)" in drawn
    assert re.findall(r"translate\((\d+) 0\)", drawn) == ["0", str(PANEL)]


def test_no_office_with_a_position_draws_nothing():
    assert str(office_map([], title="t", alert_label="a", ok_label="o")) == ""
