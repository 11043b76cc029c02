"""The trainers' `mara` commands: `mara nlu review|eval --compare` and
`mara model train|publish|rollback|status` (TRAINING.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mara.settings import ROOT, load_settings


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
    from mara.adapters.rasa_evaluation import PQRS
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
    from mara.adapters import rasa_evaluation as evaluation
    from mara.adapters import rasa_training as training

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
    from mara.adapters import rasa_training as training
    from mara.db.unit_of_work import UnitOfWork
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
    from mara.services import model_publishing

    try:
        if args.model_command == "publish":
            if args.force and not (args.reason or "").strip():
                print("mara: --force needs --reason TEXT (it is recorded)", file=sys.stderr)
                return 2
            done = model_publishing.publish(
                settings.database_url,
                settings.rasa_url,
                args.by,
                run_id=args.run,
                force=args.force,
                reason=args.reason,
            )
        else:
            done = model_publishing.rollback(settings.database_url, settings.rasa_url, args.by)
    except (nlu_training.GateRefused, training.PublishFailed) as exc:
        print(f"mara: not published: {exc}", file=sys.stderr)
        return 1
    was = done.previous.name if done.previous else "-"
    print(f"{done.action}: {done.model.name} is live (was {was})")
    return 0
