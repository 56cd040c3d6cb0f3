"""After ``erase`` the SQLite file and its WAL hold none of the person's data as raw bytes."""

from __future__ import annotations

from pathlib import Path

from patron.collect import complaints, customer_privacy, customers
from patron.collect.store.db import session_scope
from patron.collect.users import SYSTEM

SECRETS = {
    "name": "Zyxwvut Qponmlk",
    "email": "zyxwvut.qponmlk@example.com",
    "phone": "+86 139 8765 4321",
    "complaint": "The soundproofing in room 4711 was terrible, said Zyxwvut",
    "note": "Called back about the room 4711 soundproofing",
}


def _bytes(database: Path) -> bytes:
    data = database.read_bytes()
    wal = database.with_name(database.name + "-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def test_erased_values_leave_the_sqlite_file_and_wal(sqlite_workspace) -> None:
    url = sqlite_workspace.database_url
    database = Path(url.removeprefix("sqlite:///"))
    with session_scope(url) as session:
        for i in range(50):  # neighbours on the same pages, kept as they are
            customers.create_customer(
                session,
                SYSTEM,
                customer_id=f"N{i}",
                name=f"Neighbour {i}",
                email=f"n{i}@example.com",
            )
        customers.create_customer(
            session,
            SYSTEM,
            customer_id="V1",
            name=SECRETS["name"],
            email=SECRETS["email"],
            phone=SECRETS["phone"],
        )
        complaint = complaints.open_complaint(
            session, SYSTEM, customer_id="V1", description=SECRETS["complaint"]
        )
        complaints.add_note(session, SYSTEM, complaint.id, SECRETS["note"])
        session.commit()
    before = _bytes(database)
    assert all(value.encode() in before for value in SECRETS.values())

    with session_scope(url) as session:
        customer_privacy.erase_customer(session, SYSTEM, "V1")

    after = _bytes(database)
    left = [field for field, value in SECRETS.items() if value.encode() in after]
    assert left == []
    assert b"Neighbour 49" in after and b"n49@example.com" in after
