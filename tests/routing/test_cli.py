"""`irisline menu validate` and `menu compare`, through click's runner."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from routing.cli import menu

from .helpers import SERVICES_YAML, base, write


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(menu, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_valid_menu_prints_ok() -> None:
    code, out, _ = run("validate", "routing/menus/default.yaml")
    assert code == 0
    assert out == "OK: routing/menus/default.yaml: 5 nodes, languages fr, nl, en\n"


def test_problems_are_printed_one_per_line_and_exit_1(tmp_path: Path) -> None:
    data = base()
    data["nodes"]["taxes"]["options"][2]["digit"] = 1
    data["nodes"]["main"]["options"][1]["service"] = "parkng"
    path = write(tmp_path, data)
    services = write(tmp_path, SERVICES_YAML, "services.yaml")
    code, out, err = run("validate", str(path), "--services", str(services))
    assert code == 1
    assert out.splitlines() == [
        f"{path}: node 'main': options[1].service: unknown service 'parkng'",
        f"{path}: node 'taxes': options[2].digit: duplicate digit '1' (also on options[0])",
    ]
    assert err == "2 problem(s)\n"


def test_broken_yaml_and_missing_files_give_a_message_not_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "nodes: {main: [\n")
    code, out, _ = run("validate", str(path))
    assert code == 1
    assert out.startswith(f"{path}: invalid YAML at line 2, column 1:")
    code, out, _ = run("validate", str(tmp_path / "missing.yaml"))
    assert code == 1
    assert out == f"{tmp_path / 'missing.yaml'}: can't read the file: No such file or directory\n"


def test_a_broken_service_directory_is_reported(tmp_path: Path) -> None:
    services = write(tmp_path, "services: {x: {name: {fr: X}, hours: {monday: 9}}}\n", "s.yaml")
    code, out, _ = run("validate", "routing/menus/default.yaml", "--services", str(services))
    assert code == 1
    assert out == (f"{services}: service 'x': hours.monday: expected a list, got the number 9\n")


def test_compare_prints_the_changes(tmp_path: Path) -> None:
    old = write(tmp_path, base(), "old.yaml")
    data = base()
    data["nodes"]["main"]["options"][1]["service"] = "general"
    new = write(tmp_path, data, "new.yaml")
    assert run("compare", str(old), str(new))[:2] == (
        0,
        "node 'main': option 2: service 'housing' -> service 'general'\n",
    )
    assert run("compare", str(old), str(old))[:2] == (0, "no changes\n")
