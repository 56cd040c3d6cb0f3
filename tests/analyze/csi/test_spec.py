"""Specifications are validated with clear errors; presets carry both languages."""

from __future__ import annotations

import pytest

from patron.analyze.csi import ModelSpec, item_bank, preset
from patron.exceptions import InputError


def test_yaml_round_trip(tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text(
        "name: small\nscale: [1, 7]\nconstructs:\n  q: {items: [a, b]}\n  s: [c, d]\n"
        "  v: {items: [e, f], mode: b}\npaths:\n  - q -> s\n  - [v, s]\n",
        encoding="utf-8",
    )
    spec = ModelSpec.from_yaml(path)
    assert spec.construct_names == ["q", "s", "v"]
    assert spec.paths == (("q", "s"), ("v", "s"))
    assert spec.construct("v").mode == "B"
    assert spec.scale == (1.0, 7.0)
    assert ModelSpec.from_dict(spec.to_dict()) == spec


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"constructs": {"q": [], "s": ["c"]}, "paths": {"q": ["s"]}},
            "construct 'q' has no items",
        ),
        (
            {"constructs": {"q": ["a"], "s": ["c"]}, "paths": {"q": ["x"]}},
            "path q -> x names unknown construct 'x'",
        ),
        (
            {
                "constructs": {"q": ["a"], "s": ["c"], "t": ["d"]},
                "paths": {"q": ["s"], "s": ["t"], "t": ["q"]},
            },
            "the paths form a cycle: q -> s -> t -> q",
        ),
        (
            {"constructs": {"q": ["a"], "s": ["a"]}, "paths": {"q": ["s"]}},
            "item 'a' is used by both 'q' and 's'",
        ),
        ({"constructs": {"q": ["a"], "s": ["c"]}, "paths": {"q": ["q"]}}, "points to itself"),
        (
            {"constructs": {"q": {"items": ["a"], "mode": "C"}, "s": ["c"]}, "paths": {"q": ["s"]}},
            "mode 'C'; use A or B",
        ),
        (
            {"constructs": {"q": ["a"], "s": ["c"], "z": ["e"]}, "paths": {"q": ["s"]}},
            "construct 'z' has no path to or from it",
        ),
        ({"constructs": {"q": ["a"], "s": ["c"]}}, "the model has no paths"),
        ({"paths": {}}, "'constructs' must map each construct to its items"),
    ],
)
def test_invalid_specifications(data, message):
    with pytest.raises(InputError, match=message):
        ModelSpec.from_dict(data, source="model.yaml")


def test_unknown_item_against_data():
    spec = ModelSpec.build({"q": ["a", "b"], "s": ["c"]}, [("q", "s")])
    with pytest.raises(InputError, match="answers.csv: item 'b' of construct 'q' is not a column"):
        spec.check_columns(["a", "c"], source="answers.csv")


def test_bad_yaml_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        ModelSpec.from_yaml(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("constructs: [unclosed", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        ModelSpec.from_yaml(bad)


def test_acsi_preset_has_the_fifteen_standard_items():
    spec = preset("acsi")
    assert spec.items == [
        "CE1",
        "CE2",
        "CE3",
        "PQ1",
        "PQ2",
        "PQ3",
        "PV1",
        "PV2",
        "SAT1",
        "SAT2",
        "SAT3",
        "CC1",
        "CL1",
        "CL2",
        "CL3",
    ]
    assert len(spec.paths) == 9
    assert spec.resolved_target() == "satisfaction"
    bank = item_bank("acsi")
    assert len(bank) == 15 and bank["text_zh"].str.len().min() > 3
    assert bank["text_en"].notna().all()


def test_ecsi_preset_uses_the_mobi_codes():
    spec = preset("ecsi")
    assert len(spec.items) == 24 and len(spec.paths) == 12
    assert spec.construct("complaints").items == ("CUSCO",)
    from patron.core.i18n import language

    with language("zh_CN"):
        assert spec.label("image") == "企业形象"
    assert spec.label("image") == "Image"


def test_yaml_labels_and_chinese_display(mobi):
    from patron.analyze.csi import PLSPathModel
    from patron.core.i18n import language

    spec = ModelSpec.from_dict(
        {
            "constructs": {
                "q": {"items": ["PERQ1", "PERQ2"], "label": {"en": "Quality", "zh": "感知质量"}},
                "s": {"items": ["CUSA1", "CUSA2"], "label": "Satisfaction"},
            },
            "paths": {"q": ["s"]},
        }
    )
    assert spec.label("s") == "Satisfaction"
    model = PLSPathModel(spec=spec).fit(mobi)
    with language("zh_CN"):
        assert spec.label("q") == "感知质量"
        text = model._printer().to_text()
    assert "感知质量 -> Satisfaction" in text and "路径系数" in text
    assert "q -> s" in model._printer().to_text()
