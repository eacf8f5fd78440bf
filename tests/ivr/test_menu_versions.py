"""Menu versions: import as draft, validate, publish (one live version), roll back, diff;
through the domain and through `irisline menu`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from irisline.cli import main
from irisline.db import Database
from irisline.errors import Conflict
from routing import versions
from routing.menu import default_menu_text
from routing.models import MenuVersion
from routing.validation import check_menu_text
from routing.versions import MenuRejected

BROKEN = default_menu_text().replace("service: taxes", "service: taxez", 1)


def test_publish_switches_the_live_version_atomically(database: Database) -> None:
    with database.session() as session:
        assert versions.ensure_default(session, check_menu_text)
        assert not versions.ensure_default(session, check_menu_text)
        second = versions.import_draft(session, default_menu_text() + "\n# v2\n", note="v2")
        versions.publish(session, second.number, check_menu_text, actor="supervisor")
    with database.session() as session:
        rows = versions.list_versions(session)
        assert [(v.number, v.status, v.live) for v in rows] == [
            (1, "archived", None),
            (2, "published", 1),
        ]
        assert versions.published(session).published_by == "supervisor"


def test_invalid_menu_can_be_stored_but_never_published(database: Database) -> None:
    with database.session() as session:
        versions.ensure_default(session, check_menu_text)
        draft = versions.import_draft(session, BROKEN)
        with pytest.raises(MenuRejected) as info:
            versions.publish(session, draft.number, check_menu_text, actor="x")
    assert info.value.details["problems"] == [
        "menu.yaml: node 'main': options[0].service: unknown service 'taxez' "
        "(did you mean 'taxes'?)"
    ]
    with database.session() as session:
        assert versions.published(session).number == 1


def test_rollback_to_the_previous_and_to_any_version(database: Database) -> None:
    with database.session() as session:
        versions.ensure_default(session, check_menu_text)
        for n in (2, 3):
            draft = versions.import_draft(session, default_menu_text() + f"\n# v{n}\n")
            versions.publish(session, draft.number, check_menu_text, actor="x")
        assert versions.rollback(session, check_menu_text, actor="x").number == 2
        assert versions.rollback(session, check_menu_text, actor="x", number=1).number == 1
        with pytest.raises(Conflict):
            versions.publish(session, 1, check_menu_text, actor="x")


def test_menu_cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    runner = CliRunner()
    good = tmp_path / "menu.yaml"
    good.write_text(default_menu_text().replace("max_turns: 20", "max_turns: 25"))
    bad = tmp_path / "broken.yaml"
    bad.write_text(BROKEN)

    assert "bundled default" in runner.invoke(main, ["menu", "list"]).output
    assert runner.invoke(main, ["menu", "install-default"]).exit_code == 0
    result = runner.invoke(main, ["menu", "import", str(good), "--note", "longer calls"])
    assert result.exit_code == 0 and "imported version 2" in result.output
    result = runner.invoke(main, ["menu", "diff", "1", "2"])
    assert result.output.strip() == "limit max_turns: 20 -> 25"
    assert runner.invoke(main, ["menu", "publish", "2"]).exit_code == 0
    listing = runner.invoke(main, ["menu", "list"]).output.splitlines()
    assert listing[1].startswith("*    2  published") and "longer calls" in listing[1]

    result = runner.invoke(main, ["menu", "import", str(bad)])
    assert result.exit_code == 1
    assert "unknown service 'taxez'" in result.output
    assert runner.invoke(main, ["menu", "publish", "3"]).exit_code == 1
    result = runner.invoke(main, ["menu", "validate", str(bad)])
    assert result.exit_code == 1 and f"{bad}: node 'main': options[0].service" in result.output
    assert runner.invoke(main, ["menu", "validate", str(good)]).output.startswith("OK:")

    result = runner.invoke(main, ["menu", "rollback"])
    assert result.exit_code == 0 and "version 1 is live" in result.output
    database = Database(db_url)
    with database.session() as session:
        live = session.scalars(select(MenuVersion).where(MenuVersion.live == 1)).one()
        assert live.number == 1
    database.dispose()
