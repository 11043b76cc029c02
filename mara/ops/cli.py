"""The `mara` command: serve, chat, say, train, nlu, replay, db, staff, api, sweep, report, cron."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from mara.ops.trainer_cli import cmd_model, cmd_nlu_compare, cmd_nlu_review
from mara.settings import ROOT, load_settings


def db_upgrade(database_url: str | None = None, quiet: bool = False) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url or load_settings().database_url
    config.attributes["quiet"] = quiet
    command.upgrade(config, "head")
    _sync_areas(config.attributes["database_url"])


def _sync_areas(database_url: str) -> None:
    """The areas table follows config/areas.yml after every upgrade."""
    from mara.db.unit_of_work import UnitOfWork
    from mara.services import accounts

    with UnitOfWork(database_url) as uow:
        accounts.sync_areas(uow)
        uow.commit()


def cmd_serve(args: argparse.Namespace) -> int:
    from mara.adapters import rasa_training as training
    from mara.ops.supervisor import Supervisor, stop_on_signals

    settings = load_settings()
    if not os.environ.get("REDIS_URL"):
        # No Redis configured: this run starts its own (a stale var/redis.url is ignored).
        settings = replace(settings, redis_url=None)
    db_upgrade(settings.database_url, quiet=True)
    model = training.live_model()
    if model is None:
        print("mara: no trained model; run `mara train` (or `make run`)", file=sys.stderr)
        return 2
    if training.current_model() is None:
        print("mara: the model is older than the training data; run `mara train`", file=sys.stderr)
    stop_on_signals()
    supervisor = Supervisor(
        settings, model, workers=args.workers, log_dir=ROOT / "var" / "log" if args.chat else None
    )
    try:
        settings = supervisor.start()
        print("mara: starting web, worker, rasa and actions…", file=sys.stderr)
        supervisor.wait_ready()
        print(f"mara: ready on http://127.0.0.1:{settings.port}", file=sys.stderr)
        if args.chat:
            from mara.ops.chat import chat

            chat(settings, args.from_address)
            return 0
        return supervisor.watch()
    except KeyboardInterrupt:
        return 0
    finally:
        print("mara: stopping…", file=sys.stderr)
        supervisor.stop()


def cmd_chat(args: argparse.Namespace) -> int:
    from mara.ops.chat import chat

    chat(load_settings(), args.from_address)
    return 0


def cmd_say(args: argparse.Namespace) -> int:
    from mara.ops.chat import say

    for reply in say(load_settings(), args.from_address, args.text, timeout=args.timeout):
        print(reply)
        print()
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from mara.adapters import rasa_training as training

    model = training.train(force=args.force)
    print(f"model: {model.relative_to(ROOT)}")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    import time

    from mara.adapters.redis_queue import enqueue_inbound, enqueue_outbound
    from mara.db.unit_of_work import UnitOfWork
    from mara.services import inbox, outbox

    settings = load_settings()
    with UnitOfWork(settings.database_url) as uow:
        ids = inbox.replayable_inbound(uow, timedelta(seconds=args.stale_after))
        outbound_ids = outbox.replayable_outbound(uow)
        uow.commit()
    suffix = f"-replay-{int(time.time())}"
    for message_id in ids:
        enqueue_inbound(settings, message_id, suffix=suffix)
    # Failed replies go out again; a send Twilio may already have is looked up first.
    for outbound_id in outbound_ids:
        enqueue_outbound(settings, outbound_id, suffix=suffix)
    print(f"replayed {len(ids)} message(s); resending {len(outbound_ids)} reply(ies)")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    import json

    from mara.jobs import schedule

    for action in schedule.sweep(load_settings()):
        print(json.dumps(action, ensure_ascii=False), flush=True)
    return 0


def cmd_handoff(args: argparse.Namespace) -> int:
    from mara import clock
    from mara.db.unit_of_work import UnitOfWork
    from mara.services import contact

    with UnitOfWork(load_settings().database_url) as uow:
        if args.handoff_command == "list":
            for wa_id, requested_at in contact.waiting_handoffs(uow, clock.now()):
                print(f"{wa_id}\t{requested_at.isoformat()}")
            return 0
        if not args.wa_id:
            print("mara: which number? mara handoff release 573001234567", file=sys.stderr)
            return 2
        released = contact.release_handoff(uow, args.wa_id, clock.now(), by="cli")
        uow.commit()
    print("released" if released else "no open handoff for that number")
    return 0 if released else 1


def cmd_db(args: argparse.Namespace) -> int:
    db_upgrade()
    print("database is at the latest schema")
    return 0


def _read_password() -> str:
    """Typed twice at a terminal; the first line of stdin otherwise (scripts, provisioning)."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("Contraseña: ")
        if getpass.getpass("Repítela: ") != first:
            raise SystemExit("mara: las contraseñas no coinciden")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_staff(args: argparse.Namespace) -> int:
    from mara.db.unit_of_work import UnitOfWork
    from mara.services import accounts

    password = _read_password()
    try:
        with UnitOfWork(load_settings().database_url) as uow:
            account = accounts.create_user(
                uow, args.email, password, args.role, name=args.name, area_slug=args.area
            )
            uow.commit()
    except accounts.AccountError as exc:
        print(f"mara: {exc}", file=sys.stderr)
        return 1
    print(f"created {account.role} user {account.email} (id {account.id})")
    return 0


def cmd_api(args: argparse.Namespace) -> int:
    from mara.db.unit_of_work import UnitOfWork
    from mara.services import accounts

    try:
        with UnitOfWork(load_settings().database_url) as uow:
            token = accounts.create_api_token(uow, args.name, created_by="cli")
            uow.commit()
    except accounts.AccountError as exc:
        print(f"mara: {exc}", file=sys.stderr)
        return 1
    print(f"API token {args.name!r} (shown once; only its hash is stored):")
    print(token)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from mara import clock
    from mara.db.unit_of_work import UnitOfWork
    from mara.policy.channels import business_calendar
    from mara.services.reports import Quarter, quarterly_report, report_csv

    now = clock.now()
    quarter = Quarter.parse(args.quarter) if args.quarter else Quarter.of(now.date())
    with UnitOfWork(load_settings().database_url) as uow:
        report = quarterly_report(uow, quarter, business_calendar(), now)
    if args.csv:
        Path(args.csv).write_bytes(report_csv(report))
    if args.pdf:
        from mara.adapters.report_pdf import render_pdf

        Path(args.pdf).write_bytes(render_pdf(report))
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


def cmd_cron(args: argparse.Namespace) -> int:
    from mara.adapters.redis_queue import get_redis
    from mara.jobs.schedule import cron_scheduler

    settings = load_settings()
    if not settings.redis_url:
        print("mara: REDIS_URL is not set", file=sys.stderr)
        return 2
    cron_scheduler(get_redis(settings.redis_url), settings.queue_name).start()
    return 0


def cmd_nlu(args: argparse.Namespace) -> int:
    rasa = str(ROOT / ".venv-rasa" / "bin" / "rasa")
    if args.nlu_command == "check":
        return subprocess.call(
            [
                rasa,
                "data",
                "validate",
                "--domain",
                "domain.yml",
                "--data",
                "data",
                "--config",
                "config.yml",
            ],
            cwd=ROOT,
        )
    if args.nlu_command == "classify":
        from mara.adapters import rasa_training as training

        model = training.current_model() or training.latest_model()
        if model is None:
            print("mara: no trained model; run `mara train`", file=sys.stderr)
            return 2
        env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
        python = str(ROOT / ".venv-rasa" / "bin" / "python")
        return subprocess.call(
            [python, "-m", "nlu.classify", str(model)], cwd=ROOT, env=env, stderr=subprocess.DEVNULL
        )
    if args.nlu_command == "review":
        return cmd_nlu_review(args)
    if args.nlu_command == "eval" and args.compare:
        return cmd_nlu_compare(args)
    if args.nlu_command == "eval":
        from mara.adapters import rasa_training as training

        model = training.train()
        return subprocess.call(
            [
                rasa,
                "test",
                "nlu",
                "--model",
                str(model),
                "--nlu",
                "tests/nlu",
                "--out",
                "results/nlu",
            ],
            cwd=ROOT,
        )
    raise SystemExit(f"unknown nlu command {args.nlu_command}")


def build_parser() -> argparse.ArgumentParser:
    from mara.ops.chat import DEFAULT_FROM

    parser = argparse.ArgumentParser(prog="mara", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="web + worker + rasa + actions in the foreground")
    serve.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: MARA_WORKERS)"
    )
    serve.add_argument("--chat", action="store_true", help="open the terminal chat when ready")
    serve.add_argument("--from", dest="from_address", default=DEFAULT_FROM)
    serve.set_defaults(func=cmd_serve)

    chat = sub.add_parser("chat", help="terminal chat through the real webhook")
    chat.add_argument("--from", dest="from_address", default=DEFAULT_FROM)
    chat.set_defaults(func=cmd_chat)

    say = sub.add_parser("say", help="one turn through the webhook; prints the replies")
    say.add_argument("--from", dest="from_address", default=DEFAULT_FROM)
    say.add_argument("--timeout", type=float, default=60)
    say.add_argument("text")
    say.set_defaults(func=cmd_say)

    train = sub.add_parser("train", help="train the Rasa model if its inputs changed")
    train.add_argument("--force", action="store_true")
    train.set_defaults(func=cmd_train)

    replay = sub.add_parser("replay", help="reprocess messages an outage left unanswered")
    replay.add_argument(
        "--stale-after",
        type=int,
        default=120,
        help="seconds a pending message may wait before it counts as lost",
    )
    replay.set_defaults(func=cmd_replay)

    sweep = sub.add_parser(
        "sweep", help="one pass of every scheduled job; one JSON line per action"
    )
    sweep.set_defaults(func=cmd_sweep)

    handoff = sub.add_parser("handoff", help="conversations waiting for a human adviser")
    handoff.add_argument("handoff_command", choices=["list", "release"])
    handoff.add_argument("wa_id", nargs="?")
    handoff.set_defaults(func=cmd_handoff)

    db = sub.add_parser("db", help="database schema")
    db.add_argument("db_command", choices=["upgrade"])
    db.set_defaults(func=cmd_db)

    staff = sub.add_parser("staff", help="staff web accounts")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    create_user = staff_sub.add_parser(
        "create-user", help="create a staff user (password from stdin when not a terminal)"
    )
    create_user.add_argument("email")
    create_user.add_argument("--role", required=True, choices=["au", "area", "trainer", "admin"])
    create_user.add_argument("--area", help="area slug (config/areas.yml), for role area")
    create_user.add_argument("--name")
    create_user.set_defaults(func=cmd_staff)

    api = sub.add_parser("api", help="JSON API tokens")
    api_sub = api.add_subparsers(dest="api_command", required=True)
    create_token = api_sub.add_parser("create-token", help="print a new token once")
    create_token.add_argument("name")
    create_token.set_defaults(func=cmd_api)

    report = sub.add_parser("report", help="quarterly report as JSON (and CSV/PDF files)")
    report.add_argument("quarter", nargs="?", help="e.g. 2026-T4 (default: the current one)")
    report.add_argument("--csv", help="write the CSV (UTF-8 with BOM) here")
    report.add_argument("--pdf", help="write the PDF here")
    report.set_defaults(func=cmd_report)
    cron = sub.add_parser("cron", help="run the scheduled jobs on RQ's cron scheduler")
    cron.set_defaults(func=cmd_cron)

    nlu = sub.add_parser("nlu", help="training data tools")
    nlu.add_argument("nlu_command", choices=["check", "eval", "classify", "review"])
    nlu.add_argument(
        "review_args",
        nargs="*",
        metavar="ARG",
        help="review: list [--all] | groups | label ID… (--intent NAME | --noise) | export",
    )
    nlu.add_argument(
        "--compare",
        nargs="+",
        metavar="MODEL",
        help="eval: CANDIDATE [LIVE] model files on the held-out set (LIVE: the live model)",
    )
    nlu.add_argument("--intent", help="review label: the intent")
    nlu.add_argument("--noise", action="store_true", help="review label: not an example")
    nlu.add_argument("--all", action="store_true", help="review list: labelled ones too")
    nlu.add_argument("--by", default=os.environ.get("USER") or "cli", help="who labels")
    nlu.add_argument("--out", type=Path, help="review export: another file than data/nlu/…")
    nlu.set_defaults(func=cmd_nlu)

    model = sub.add_parser("model", help="train, publish and roll back the Rasa model")
    model.add_argument("model_command", choices=["train", "publish", "rollback", "status"])
    model.add_argument("--run", type=int, help="publish: the run (default: the latest)")
    model.add_argument("--force", action="store_true", help="publish past the gate (admins)")
    model.add_argument("--reason", help="publish --force: why, recorded")
    model.add_argument("--by", default=os.environ.get("USER") or "cli", help="who does it")
    model.set_defaults(func=cmd_model)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
