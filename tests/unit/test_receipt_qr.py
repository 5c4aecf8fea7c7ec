"""The QR code of a receipt's reference, as inline SVG for the 80 mm page."""

import xml.etree.ElementTree as ET

from app.receipts.qr import QUIET_ZONE, qr_modules, receipt_qr_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_the_svg_is_one_well_formed_element_with_a_path_of_dark_modules():
    root = ET.fromstring(receipt_qr_svg("PC7K2M9Q4X"))
    assert root.tag == f"{SVG}svg"
    paths = root.findall(f"{SVG}path")
    assert len(paths) == 1 and paths[0].get("d", "").startswith("M")


def test_the_view_box_keeps_the_quiet_zone_scanners_need():
    modules = qr_modules("PC7K2M9Q4X")
    size = len(modules) + 2 * QUIET_ZONE
    root = ET.fromstring(receipt_qr_svg("PC7K2M9Q4X"))
    assert root.get("viewBox") == f"0 0 {size} {size}"


def test_the_matrix_has_the_three_finder_patterns():
    modules = qr_modules("PC7K2M9Q4X")
    n = len(modules)
    for row, col in ((0, 0), (0, n - 7), (n - 7, 0)):
        assert all(modules[row][col + i] for i in range(7))  # the finder's top edge
        assert not modules[row + 1][col + 1]  # its white ring


def test_the_same_reference_always_draws_the_same_code():
    assert receipt_qr_svg("PC7K2M9Q4X") == receipt_qr_svg("PC7K2M9Q4X")
    assert receipt_qr_svg("PC7K2M9Q4X") != receipt_qr_svg("PC7K2M9Q4Y")


def test_a_strange_value_cannot_break_out_of_the_markup():
    svg = receipt_qr_svg("PC1", title='"><script>alert(1)</script>')
    assert "<script>" not in svg
    ET.fromstring(svg)
