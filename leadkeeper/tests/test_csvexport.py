"""Every CSV export escapes a cell a spreadsheet would run as a formula (CSV injection)."""

import csv
import io

import pytest

from leadkeeper.csvexport import csv_response, safe_cell


@pytest.mark.parametrize("value", ['=cmd|" /C calc"!A0', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_a_text_starting_like_a_formula_is_prefixed(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["google", "", "a=b", -3, 2.5, None])
def test_plain_text_and_numbers_are_kept(value):
    assert safe_cell(value) == value


def test_the_response_is_a_download_whose_header_and_cells_are_escaped():
    response = csv_response(
        filename="x.csv", header=["=h", "n"], rows=[["@evil", -4]], private=True
    )
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert response["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["'=h", "n"], ["'@evil", "-4"]]
