from datetime import datetime, timedelta, timezone

import pytest

from bot.accounts import AccountStore, check_password, hash_password
from bot.db import Database
from bot.tickets import ANSWERED, CLAIMED, CLOSED, PENDING, TicketConflict, TicketNotFound, TicketStore
from chunfeng.errors import AuthError, Conflict, InvalidInput

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


def make(ts=T0):
    clock = Clock(ts)
    db = Database(":memory:", clock)
    return db, clock


def test_ticket_life_cycle_and_events():
    db, clock = make()
    store = TicketStore(db)
    t, created = store.create(session_id="s1", user_id="u", channel="web", reason="user_request", question="q",
                              transcript=[{"role": "user", "text": "q"}], due_at=T0 + timedelta(days=1))
    assert created and t.status == PENDING and t.id == "T20261125-0001"
    again, created2 = store.create(session_id="s1", user_id="u", channel="web", reason="low_confidence", question="q2",
                                   transcript=[], due_at=T0)
    assert not created2 and again.id == t.id  # one open ticket per session
    assert store.claim(t.id, "a1").status == CLAIMED
    with pytest.raises(TicketConflict):
        store.claim(t.id, "a2")
    with pytest.raises(TicketConflict):
        store.answer(t.id, "a2", "不是我认领的")
    assert store.answer(t.id, "a1", "答复").status == ANSWERED
    assert store.reopen(t.id).status == PENDING
    assert store.close(t.id, "a1").status == CLOSED
    with pytest.raises(TicketConflict) as exc:
        store.close(t.id, "a1")
    assert "已关闭" in exc.value.message
    assert [e["event"] for e in store.events(t.id)] == ["created", "claimed", "answered", "reopened", "closed"]
    with pytest.raises(TicketNotFound):
        store.get("T-nope")
    t2, _ = store.create(session_id="s2", user_id="", channel="web", reason="dispute", question="", transcript=[], due_at=T0)
    assert t2.id == "T20261125-0002"


def test_waiting_time_and_overdue():
    db, clock = make()
    store = TicketStore(db)
    t, _ = store.create(session_id="s", user_id="", channel="web", reason="user_request", question="", transcript=[],
                        due_at=T0 + timedelta(hours=1))
    view = t.to_dict(T0 + timedelta(minutes=35))
    assert view["waiting_minutes"] == 35 and not view["overdue"] and view["status_name"] == "待处理"
    assert t.to_dict(T0 + timedelta(hours=2))["overdue"]


def test_passwords_and_tokens():
    stored = hash_password("correct horse")
    assert check_password("correct horse", stored) and not check_password("wrong", stored)
    db, clock = make()
    accounts = AccountStore(db, token_ttl=timedelta(hours=1))
    accounts.create("agent1", "password-1", "agent")
    with pytest.raises(Conflict):
        accounts.create("agent1", "password-2", "agent")
    with pytest.raises(InvalidInput):
        accounts.create("bad name!", "password-1", "agent")
    with pytest.raises(InvalidInput):
        accounts.create("x1", "short", "agent")
    with pytest.raises(InvalidInput):
        accounts.create("x2", "password-1", "boss")
    with pytest.raises(AuthError):
        accounts.authenticate("agent1", "nope")
    with pytest.raises(AuthError):
        accounts.authenticate("nobody", "password-1")
    token = accounts.issue_token(accounts.authenticate("agent1", "password-1"))
    assert accounts.account_for_token(token).username == "agent1"
    clock.t = T0 + timedelta(hours=2)
    assert accounts.account_for_token(token) is None  # expired
    assert "password-1" not in str(db.query("SELECT * FROM accounts")[0]["password_hash"])
