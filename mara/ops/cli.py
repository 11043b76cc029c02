"""The `mara` command: serve, chat, say, train, nlu, replay, db."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from mara.settings import ROOT, load_settings


def db_upgrade(database_url: str | None = None, quiet: bool = False) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url or load_settings().database_url
    config.attributes["quiet"] = quiet
    command.upgrade(config, "head")


def cmd_serve(args: argparse.Namespace) -> int:
    from mara.ops import training
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
    from mara.ops import training

    model = training.train(force=args.force)
    print(f"model: {model.relative_to(ROOT)}")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from mara.adapters.redis_queue import enqueue_inbound
    from mara.db.unit_of_work import UnitOfWork
    from mara.services import inbox

    settings = load_settings()
    with UnitOfWork(settings.database_url) as uow:
        ids = inbox.replayable_inbound(uow, timedelta(seconds=args.stale_after))
    import time

    suffix = f"-replay-{int(time.time())}"
    for message_id in ids:
        enqueue_inbound(settings, message_id, suffix=suffix)
    print(f"replayed {len(ids)} message(s)")
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
    print("released" if released else "no open handoff for that number")
    return 0 if released else 1


def cmd_db(args: argparse.Namespace) -> int:
    db_upgrade()
    print("database is at the latest schema")
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
        from mara.ops import training

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
        from mara.ops import training

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


def cmd_nlu_review(args: argparse.Namespace) -> int:
    from mara.db.unit_of_work import UnitOfWork
    from mara.services import nlu_review

    action, *rest = args.review_args or ["list"]
    with UnitOfWork(load_settings().database_url) as uow:
        if action == "export":
            result = nlu_review.export_reviewed(uow, args.out or nlu_review.REVIEWED_FILE)
            print(f"{result.path}: {sum(result.written.values())} example(s)")
            for intent, count in result.written.items():
                print(f"  {intent}: {count}")
            if result.skipped_held_out or result.skipped_existing:
                print(
                    f"left out: {result.skipped_held_out} in the held-out set (tests/nlu), "
                    f"{result.skipped_existing} already in data/nlu"
                )
            return 0
        if action in ("list", "groups"):
            items = nlu_review.review_inbox(uow, include_labelled=args.all)
            groups = nlu_review.group_items(items) if action == "groups" else None
            for group in groups or [nlu_review.ReviewGroup("", (i,)) for i in items]:
                if groups:
                    print(f"# {len(group.items)} alike: {' '.join(map(str, group.inbound_ids))}")
                for i in group.items:
                    label = "noise" if i.noise else (i.label or "")
                    print(
                        f"{i.inbound_id}\t{i.intent}\t{(i.confidence or 0):.2f}\t"
                        f"{','.join(i.reasons)}\t{i.suggested_intent or ''}\t{label}\t{i.text}"
                    )
            return 0
        if action == "label":
            ids = [int(x) for x in rest]
            if not ids or not (args.intent or args.noise):
                print("mara: mara nlu review label ID… --intent NAME (or --noise)", file=sys.stderr)
                return 2
            try:
                count = nlu_review.label_messages(uow, ids, args.intent, args.by, noise=args.noise)
            except nlu_review.UnknownIntent:
                print(f"mara: {args.intent!r} is not an intent of domain.yml", file=sys.stderr)
                return 2
            uow.commit()
            print(f"labelled {count} message(s)")
            return 0 if count == len(ids) else 1
    print(f"mara: unknown review command {action!r}", file=sys.stderr)
    return 2


def _print_comparison(candidate: dict, live: dict | None) -> None:
    from mara.ops.evaluation import PQRS
    from mara.services.nlu_training import gate_passes

    print(f"{'':22} {'candidate':>17}" + (f"  {'live':>17}" if live else ""))
    print(f"{'intent':22} {'prec  rec   f1':>17}" + (f"  {'prec  rec   f1':>17}" if live else ""))
    intents = sorted(set(candidate["per_intent"]) | set((live or {}).get("per_intent", {})))
    for intent in intents:
        line = f"{intent[:22]:22}"
        for rep in (candidate, live) if live else (candidate,):
            s = rep["per_intent"].get(intent)
            line += f"  {s['precision']:.2f} {s['recall']:.2f} {s['f1']:.2f}   " if s else " " * 19
        print(line)
    for t in PQRS:
        line = f"pqrs {t:17}"
        for rep in (candidate, live) if live else (candidate,):
            s = rep["per_pqrs_type"][t]
            line += f"  {s['precision']:.2f} {s['recall']:.2f} {s['f1']:.2f}   "
        print(line)
    live_f1 = live["pqrs_macro_f1"] if live else None
    print(
        f"PQRS macro-F1: candidate {candidate['pqrs_macro_f1']:.3f}"
        + (f", live {live_f1:.3f}" if live else "")
    )
    print(f"confusion matrix: {candidate['confusion_png']}")
    print(f"errors of the candidate: {len(candidate['errors'])}")
    for e in candidate["errors"][:30]:
        print(f"  {e['expected']} → {e['predicted']} ({e['confidence']}): {e['text']}")
    passed = gate_passes(candidate["pqrs_macro_f1"], live_f1)
    print("gate: " + ("passes" if passed else "REFUSES (PQRS macro-F1 lower than the live one)"))


def cmd_nlu_compare(args: argparse.Namespace) -> int:
    from mara.ops import evaluation, training

    candidate = Path(args.compare[0]).resolve()
    live = Path(args.compare[1]).resolve() if len(args.compare) > 1 else training.live_model()
    out = ROOT / "results" / "nlu"
    held_out = ROOT / training.HELD_OUT
    reports = {}
    for role, model in (("candidate", candidate), ("live", live)):
        if model is None or (role == "live" and model == candidate):
            continue
        if not model.exists():
            print(f"mara: no model file {model}", file=sys.stderr)
            return 2
        reports[role] = evaluation.evaluate(
            model, held_out, out / f"confusion-{role}.png", f"{model.name} ({role})"
        )
    _print_comparison(reports["candidate"], reports.get("live"))
    return 0


def cmd_model(args: argparse.Namespace) -> int:
    from mara.db.unit_of_work import UnitOfWork
    from mara.ops import training
    from mara.services import nlu_training

    settings = load_settings()
    if args.model_command == "train":
        from mara.jobs.training import train_and_evaluate

        with UnitOfWork(settings.database_url) as uow:
            run_id = nlu_training.create_run(uow, args.by)
            uow.commit()
        print(f"training run #{run_id} (validate → train → evaluate)…", file=sys.stderr)
        outcome = train_and_evaluate(run_id, database_url=settings.database_url)
        with UnitOfWork(settings.database_url) as uow:
            run = nlu_training.get_run(uow, run_id)
        assert run is not None
        if outcome != "succeeded":
            print(f"mara: run #{run_id} {outcome}: {run.error}", file=sys.stderr)
            return 1
        _print_comparison(run.report["candidate"], run.report.get("live"))
        print(f"candidate: {run.candidate_model}\npublish it: mara model publish --run {run_id}")
        return 0
    if args.model_command == "status":
        with UnitOfWork(settings.database_url) as uow:
            runs, pubs = nlu_training.recent_runs(uow, 10), nlu_training.publications(uow, 10)
        print(f"live model: {training.live_model()}")
        for r in runs:
            f1 = f"{r.candidate_macro_f1:.3f}" if r.candidate_macro_f1 is not None else "-"
            print(
                f"run #{r.id}\t{r.status}\t{r.step} {r.percent}%\tmacro-F1 {f1}\t{r.requested_by}"
            )
        for p in pubs:
            forced = f" (forced: {p.reason})" if p.forced else ""
            print(
                f"{p.published_at:%Y-%m-%d %H:%M}\t{p.action}\t{p.model}\t{p.published_by}{forced}"
            )
        return 0
    try:
        if args.model_command == "publish":
            if args.force and not (args.reason or "").strip():
                print("mara: --force needs --reason TEXT (it is recorded)", file=sys.stderr)
                return 2
            done = training.publish(
                settings.database_url,
                settings.rasa_url,
                args.by,
                run_id=args.run,
                force=args.force,
                reason=args.reason,
            )
        else:
            done = training.rollback(settings.database_url, settings.rasa_url, args.by)
    except (nlu_training.GateRefused, training.PublishFailed) as exc:
        print(f"mara: not published: {exc}", file=sys.stderr)
        return 1
    was = done.previous.name if done.previous else "-"
    print(f"{done.action}: {done.model.name} is live (was {was})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from mara.ops.chat import DEFAULT_FROM

    parser = argparse.ArgumentParser(prog="mara", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="web + worker + rasa + actions in the foreground")
    serve.add_argument("--workers", type=int, default=1)
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

    handoff = sub.add_parser("handoff", help="conversations waiting for a human adviser")
    handoff.add_argument("handoff_command", choices=["list", "release"])
    handoff.add_argument("wa_id", nargs="?")
    handoff.set_defaults(func=cmd_handoff)

    db = sub.add_parser("db", help="database schema")
    db.add_argument("db_command", choices=["upgrade"])
    db.set_defaults(func=cmd_db)

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
