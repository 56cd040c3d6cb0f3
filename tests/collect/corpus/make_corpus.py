"""Writes the adversarial import corpus and its expectations (run again after a change).

    .venv/bin/python tests/collect/corpus/make_corpus.py

Each case is a small file and what an import of it must do: ``imported`` rows, and for
each rejected line a piece of its reason (``rejects``), or an ``error`` for files that
cannot be read at all. ``tests/collect/test_import_corpus.py`` checks every case.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES: list[dict] = []


def case(name, kind, data, *, imported=0, rejects=None, error=None, encoding="utf-8", **extra):
    raw = data if isinstance(data, bytes) else data.encode(encoding)
    (HERE / name).write_bytes(raw)
    CASES.append(
        {
            "file": name,
            "kind": kind,
            "imported": imported,
            "rejects": rejects or {},
            "error": error,
            **extra,
        }
    )


CUS = "customer_id,name,email\n"
ORD = "order_id,customer_id,ordered_at,amount,status\n"

# -- encodings
case(
    "enc_utf8.csv",
    "customers",
    CUS + "E1,Zoë Müller,z@example.com\nE2,陈伟,c@example.com\n",
    imported=2,
)
case("enc_utf8_bom.csv", "customers", "\ufeff" + CUS + "E1,Zoë,z@example.com\n", imported=1)
case(
    "enc_gb18030.csv",
    "customers",
    CUS + "E1,陈伟,c@example.com\nE2,张三丰,d@example.com\n",
    imported=2,
    encoding="gb18030",
    names={"E1": "陈伟"},
)
case("enc_utf16.csv", "customers", (CUS + "E1,Zoë,z@example.com\n").encode("utf-16"), imported=1)
case(
    "enc_latin1.csv",
    "customers",
    CUS + "E1,Zoë Müller Ångström Françoise Çelik Ñuñez,z@example.com\n",
    imported=1,
    encoding="latin-1",
    names={"E1": "Zoë Müller Ångström Françoise Çelik Ñuñez"},
)
case("enc_binary.csv", "customers", b"\x00\x01\x02PK\x03\x04" * 20, error="NUL bytes")
case(
    "enc_crlf.csv",
    "customers",
    (CUS + "E1,A,a@example.com\nE2,B,b@example.com\n").replace("\n", "\r\n"),
    imported=2,
)
case(
    "enc_mixed_utf8_gb_latin1.csv",
    "customers",
    b"".join(
        [
            CUS.encode(),
            "M1,Zoë Müller,z@example.com\n".encode(),
            "M2,陈伟,c@example.com\n".encode("gb18030"),
            "M3,Zoë Müller,y@example.com\n".encode("latin-1"),
            b"M4,Ann,a@example.com\n",
            "M5,张三丰,d@example.com\n".encode(),
        ]
    ),
    imported=4,
    rejects={"4": "neither valid UTF-8 nor valid gb18030"},
    names={"M1": "Zoë Müller", "M2": "陈伟", "M5": "张三丰"},
)
case(
    "enc_gb_with_latin1_row.csv",
    "customers",
    b"".join(
        [
            CUS.encode(),
            "G1,陈伟,c@example.com\n".encode("gb18030"),
            "G2,张三丰,d@example.com\n".encode("gb18030"),
            "G3,Zoë,y@example.com\n".encode("latin-1"),
            "G4,Müller,m@example.com\n".encode("latin-1"),  # \xfc l is a valid GBK pair
        ]
    ),
    imported=2,
    rejects={"4": "neither valid UTF-8 nor valid gb18030", "5": "could be Latin-1 or gb18030"},
    names={"G1": "陈伟"},
)
case(
    "enc_latin1_with_gb_row.csv",
    "customers",
    b"".join(
        [
            CUS.encode(),
            "L1,Zoë Müller,z@example.com\n".encode("latin-1"),
            "L2,François,f@example.com\n".encode("latin-1"),
            "L3,陈伟,c@example.com\n".encode("gb18030"),
        ]
    ),
    imported=2,
    rejects={"4": "could be GB18030 or cp1252"},
    names={"L1": "Zoë Müller", "L2": "François"},
)
case(
    "enc_utf8_with_latin1_row.csv",
    "customers",
    b"".join(
        [
            CUS.encode(),
            "U1,陈伟,c@example.com\n".encode(),
            "U2,François,f@example.com\n".encode("latin-1"),
        ]
    ),
    imported=2,
    names={"U1": "陈伟", "U2": "François"},
)
# -- quotes and fields
case(
    "quote_unterminated_mid.csv",
    "customers",
    CUS + 'Q1,"Unterminated name,q1@example.com\nQ2,Bob,q2@example.com\nQ3,"Carl",q3@example.com\n',
    imported=2,
    rejects={"2": "a quote opened in this row is never closed"},
    names={"Q2": "Bob", "Q3": "Carl"},
)
case(
    "quote_unterminated_last.csv",
    "customers",
    CUS + 'Q1,Ann,q1@example.com\nQ2,"Bob,q2@example.com\n',
    imported=1,
    rejects={"3": "the file ends inside it"},
)
case(
    "quote_inside_unquoted_field.csv",
    "customers",
    CUS + 'Q1,Ann "the" Boss,q1@example.com\nQ2,5\'11" tall,q2@example.com\n',
    imported=2,
    names={"Q1": 'Ann "the" Boss', "Q2": "5'11\" tall"},
)
case(
    "quote_embedded_newline.csv",
    "customers",
    CUS + 'E1,"Line one\nline two",a@example.com\nE2,B,b@example.com\n',
    imported=2,
)
case(
    "quote_doubled.csv",
    "customers",
    CUS + 'E1,"The ""Boss""",a@example.com\n',
    imported=1,
    names={"E1": 'The "Boss"'},
)
case(
    "fields_too_many.csv",
    "customers",
    CUS + "E1,A,a@example.com\nE2,B,b@example.com,extra\nE3,C,c@example.com\n",
    imported=2,
    rejects={"3": "row has 4 fields"},
)
case(
    "fields_too_few.csv",
    "customers",
    CUS + "E1,A\nE2,B,b@example.com\n",
    imported=1,
    rejects={"2": "row has 2 fields"},
)
case(
    "blank_lines.csv",
    "customers",
    CUS + "E1,A,a@example.com\n\n,,\nE2,B,b@example.com\n",
    imported=2,
)
case("semicolon.csv", "customers", CUS.replace(",", ";") + "E1;A;a@example.com\n", imported=1)
case("tab.tsv", "customers", CUS.replace(",", "\t") + "E1\tA\ta@example.com\n", imported=1)
case(
    "required_missing.csv",
    "customers",
    CUS + ",No id,a@example.com\nE2,B,b@example.com\n",
    imported=1,
    rejects={"2": "required value is empty"},
)
# -- e-mail
case(
    "email_injection.csv",
    "customers",
    CUS
    + 'E1,A,"a@x.example\r\nBcc: evil@evil.example"\nE2,B,"v@x.example, attacker@evil.example"\nE3,C,c@example.com\nE4,D,not-an-address\n',
    imported=1,
    rejects={
        "2": "control character",
        "3": "more than one address",
        "5": "not a valid e-mail address",
    },
)  # lines count records: the quoted CR LF does not start one
# -- dates
case(
    "dates_iso.csv",
    "orders",
    ORD + "O1,C1,2024-12-25,10,\nO2,C1,2024-12-26T10:30:00,11,\n",
    imported=2,
)
case(
    "dates_iso_and_dayfirst.csv",
    "orders",
    ORD
    + "O1,C1,2024-12-01,10,\nO2,C1,2024-12-02,11,\nO3,C1,2024-12-03,12,\nO4,C1,25/12/2024,13,\n",
    imported=4,
)
case(
    "dates_dayfirst_resolves.csv",
    "orders",
    ORD + "O1,C1,25/12/2024,10,\nO2,C1,03/04/2024,11,\n",
    imported=2,
    days={"O2": "2024-04-03"},
)
case(
    "dates_monthfirst_resolves.csv",
    "orders",
    ORD + "O1,C1,12/25/2024,10,\nO2,C1,03/04/2024,11,\n",
    imported=2,
    days={"O2": "2024-03-04"},
)
case(
    "dates_both_orders.csv",
    "orders",
    ORD
    + "O1,C1,25/12/2024,10,\nO2,C1,12/25/2024,11,\nO3,C1,03/04/2024,12,\nO4,C1,2024-01-01,13,\n",
    imported=3,
    rejects={"4": "ambiguous date"},
)
case(
    "dates_ambiguous_and_invalid.csv",
    "orders",
    ORD
    + "O1,C1,25/12/2024,10,\nO2,C1,12/25/2024,11,\nO3,C1,03/04/2024,12,\nO4,C1,31/31/2024,13,\n",
    imported=2,
    rejects={"4": "ambiguous date", "5": "not a recognisable date"},
)
case(
    "dates_all_ambiguous.csv",
    "orders",
    ORD + "O1,C1,03/04/2024,10,\nO2,C1,05/06/2024,11,\n",
    error="ambiguous",
)
case(
    "dates_invalid.csv",
    "orders",
    ORD + "O1,C1,2024-02-30,10,\nO2,C1,yesterday,11,\nO3,C1,2024-02-29,12,\n",
    imported=1,
    rejects={"2": "not a recognisable date", "3": "not a recognisable date"},
)
case(
    "dates_out_of_range.csv",
    "orders",
    ORD + "O1,C1,1700-01-01,10,\nO2,C1,2024-01-01,11,\n",
    imported=1,
    rejects={"2": "not a recognisable date"},
)
case("dates_chinese.csv", "orders", ORD + "O1,C1,2024年12月25日,10,\n", imported=1)
# -- numbers and amounts
case(
    "num_huge.csv",
    "orders",
    ORD + "O1,C1,2024-01-01,1e308,\nO2,C1,2024-01-01,1e13,\nO3,C1,2024-01-01,999999999999,\n",
    imported=1,
    rejects={"2": "larger than", "3": "larger than"},
)
case(
    "num_inf_nan.csv",
    "orders",
    ORD + "O1,C1,2024-01-01,inf,\nO2,C1,2024-01-01,nan,\nO3,C1,2024-01-01,12.5,\n",
    imported=1,
    rejects={"2": "not a number", "3": "not a number"},
)
case(
    "num_formats.csv",
    "orders",
    "order_id;customer_id;ordered_at;amount;status\nO1;C1;2024-01-01;1.234,56;\nO2;C1;2024-01-01;¥12;\nO3;C1;2024-01-01;12 元;\n",
    imported=3,
    amounts={"O1": 1234.56, "O2": 12.0, "O3": 12.0},
)
case(
    "num_negative_return.csv",
    "orders",
    ORD
    + "O1,C1,2024-01-01,-20,\nO2,C1,2024-01-01,-5,refunded\nO3,C1,2024-01-01,-7,completed\nO4,C1,2024-01-01,30,\n",
    imported=3,
    rejects={"4": "a sale cannot be negative"},
    statuses={"O1": "returned", "O2": "refunded", "O4": None},
)
case(
    "num_negative_reject.csv",
    "orders",
    ORD + "O1,C1,2024-01-01,-20,\nO2,C1,2024-01-01,30,\n",
    imported=1,
    rejects={"2": "negative amount"},
    settings={"negative_amounts": "reject"},
)
case(
    "num_not_a_number.csv",
    "orders",
    ORD + "O1,C1,2024-01-01,abc,\nO2,C1,2024-01-01,,\nO3,C1,2024-01-01,5,\n",
    imported=1,
    rejects={"2": "not a number", "3": "required value is empty"},
)
# -- Unicode
case(
    "unicode_nfc.csv",
    "customers",
    CUS + "CAFÉ,Composed,a@example.com\nCAFE\u0301,Decomposed,b@example.com\n",
    imported=1,
    duplicates=1,
    customers=1,
)
case(
    "unicode_zero_width_and_emoji.csv",
    "customers",
    CUS + "E1,Ann 😀,a@example.com\nE2,\u200bBob,b@example.com\n",
    imported=2,
)
case(
    "unicode_formula.csv",
    "customers",
    CUS + 'E1,"=HYPERLINK(""http://evil.example"")",bad-address\nE2,@SUM(A1),b@example.com\n',
    imported=1,
    rejects={"2": "not a valid e-mail address"},
    reject_cells={"2": "'=HYPERLINK"},
)
# -- sizes
case(
    "size_long_text.csv",
    "customers",
    CUS + "E1," + "x" * 201 + ",a@example.com\nE2,B,b@example.com\n",
    imported=1,
    rejects={"2": "longer than 200 characters"},
)
case(
    "size_wide_row.csv",
    "customers",
    CUS + "E1,A,a@example.com\n" + ",".join(["x"] * 5001) + "\nE2,B,b@example.com\n",
    imported=2,
    rejects={"3": "row has 5001 fields"},
    seconds=5,
)
case(
    "size_wide_header.csv",
    "customers",
    ",".join(["customer_id"] + [f"c{i}" for i in range(5000)])
    + "\n"
    + ",".join(["E1"] + ["1"] * 5000)
    + "\n",
    error="more than the 1000",
    seconds=5,
)
case("size_empty.csv", "customers", "", error="is empty")
case("size_header_only.csv", "customers", CUS, imported=0)

(HERE / "expected.json").write_text(
    json.dumps(CASES, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
)
