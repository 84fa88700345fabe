"""NLU evaluation and benchmark (``make eval-nlu``, ``make bench-nlu``; not part of ``make test``).

eval: the held-out split (``eval/holdout/``, never seen in training) and its Traditional-script
copy, parsed by the product model: intent accuracy, per-intent precision/recall/F1, top
confusions, FAQ response-selector accuracy, entity precision/recall/F1 per type; the safety
detector on ``tests/nlu/safety_cases.yml``; and, with ``--cv``, Rasa's 5-fold cross-validation
over ``data/nlu``. Writes ``reports/nlu/report.md`` and ``report.json``.

bench: parse latency p50/p95 over the held-out texts for the product pipeline and for a bare
Rasa pipeline (JiebaTokenizer + featurisers + DIET) trained on the same data in the same run
(kept in ``.baseline/``, outside ``models/``), plus both training times.
"""
from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bot.settings import PROJECT_ROOT

__all__ = ["evaluate", "benchmark", "load_examples"]

HOLDOUT = PROJECT_ROOT / "eval" / "holdout"
REPORTS = PROJECT_ROOT / "reports" / "nlu"
SAFETY_CASES = PROJECT_ROOT / "tests" / "nlu" / "safety_cases.yml"
MODEL = PROJECT_ROOT / "models" / "product.tar.gz"
BASELINE_DIR = PROJECT_ROOT / ".baseline"

BARE_CONFIG = """recipe: default.v1
assistant_id: bare-baseline
language: zh
pipeline:
  - name: JiebaTokenizer
    dictionary_path: data/jieba
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 3
    max_features: 20000
  - name: DIETClassifier
    epochs: {epochs}
    number_of_transformer_layers: 1
    transformer_size: 128
    entity_recognition: false
    constrain_similarities: true
    random_seed: 618
policies:
  - name: RulePolicy
"""


def load_examples(path: Path) -> list[dict]:
    """Examples of every YAML file under ``path``: text, intent, response key, entities."""
    from rasa.shared.nlu.training_data.loading import load_data
    out = []
    files = sorted(path.rglob("*.yml")) if path.is_dir() else [path]
    for file in files:
        for m in load_data(str(file)).intent_examples:
            out.append({"text": m.get("text"), "intent": m.get("intent"),
                        "response_key": m.get("intent_response_key"),
                        "entities": [{"entity": e["entity"], "start": e["start"], "end": e["end"],
                                      "value": e.get("value")} for e in m.get("entities") or []]})
    return out


def traditional_copy(examples: list[dict]) -> list[dict]:
    from bot.nlu.text import to_traditional
    out = []
    for ex in examples:
        text = to_traditional(ex["text"])
        same_length = len(text) == len(ex["text"])
        out.append({**ex, "text": text, "entities": ex["entities"] if same_length else None})
    return out


def homophone_copy(examples: list[dict], rate: float = 0.1, seed: int = 618) -> list[dict]:
    """Each Chinese character replaced, with probability ``rate``, by another common character
    (GB2312 level 1) with the same toneless pinyin: the typo a pinyin IME makes (在/再, 帐/账).
    How the model holds up on real shoppers' spelling; same length, entities not scored."""
    import random
    from pypinyin import lazy_pinyin
    by_sound: dict[str, list[str]] = {}
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            if hi == 0xD7 and lo > 0xF9:
                break
            c = bytes([hi, lo]).decode("gb2312")
            by_sound.setdefault(lazy_pinyin(c)[0], []).append(c)
    rng = random.Random(seed)
    out = []
    for ex in examples:
        chars = list(ex["text"])
        for i, c in enumerate(chars):
            if "\u4e00" <= c <= "\u9fff" and rng.random() < rate:
                options = [o for o in by_sound.get(lazy_pinyin(c)[0], []) if o != c]
                if options:
                    chars[i] = rng.choice(options)
        out.append({**ex, "text": "".join(chars), "entities": None})
    return out


async def _parse_all(agent, texts: list[str]) -> list[dict]:
    return [await agent.parse_message(t) for t in texts]


def _scores(examples: list[dict], parses: list[dict]) -> dict:
    from sklearn.metrics import precision_recall_fscore_support
    gold = [e["intent"] for e in examples]
    pred = [p["intent"]["name"] if p.get("intent") else None for p in parses]
    labels = sorted(set(gold))
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
    per_intent = {lab: {"precision": round(float(p[i]), 3), "recall": round(float(r[i]), 3),
                        "f1": round(float(f[i]), 3), "support": int(s[i])}
                  for i, lab in enumerate(labels)}
    confusions = Counter((g, q) for g, q in zip(gold, pred) if g != q).most_common(15)
    errors = [{"text": e["text"], "gold": e["intent"], "predicted": q,
               "confidence": round(pp["intent"]["confidence"], 3) if pp.get("intent") else None}
              for e, q, pp in zip(examples, pred, parses) if e["intent"] != q]
    faq_total = faq_ok = 0
    for e, pp in zip(examples, parses):
        if e.get("response_key"):
            faq_total += 1
            got = (((pp.get("response_selector") or {}).get("faq") or {}).get("response") or {})
            faq_ok += got.get("intent_response_key") == e["response_key"]
    ent = _entity_scores(examples, parses)
    return {"n": len(examples), "accuracy": round(sum(g == q for g, q in zip(gold, pred)) / max(len(gold), 1), 4),
            "per_intent": per_intent, "confusions": [{"gold": g, "predicted": q, "count": c}
                                                     for (g, q), c in confusions],
            "faq_response_accuracy": round(faq_ok / faq_total, 4) if faq_total else None,
            "entities": ent, "errors": errors}


def _entity_scores(examples: list[dict], parses: list[dict]) -> dict:
    tp, fp, fn = Counter(), Counter(), Counter()
    for e, p in zip(examples, parses):
        if e["entities"] is None:
            continue
        gold = {(x["start"], x["end"], x["entity"]) for x in e["entities"]}
        pred = {(x["start"], x["end"], x["entity"]) for x in p.get("entities") or []}
        for item in gold & pred:
            tp[item[2]] += 1
        for item in pred - gold:
            fp[item[2]] += 1
        for item in gold - pred:
            fn[item[2]] += 1

    def f1(t, f_p, f_n):
        prec = t / (t + f_p) if t + f_p else 0.0
        rec = t / (t + f_n) if t + f_n else 0.0
        return {"precision": round(prec, 3), "recall": round(rec, 3),
                "f1": round(2 * prec * rec / (prec + rec), 3) if prec + rec else 0.0,
                "support": t + f_n}

    types = sorted(set(tp) | set(fp) | set(fn))
    return {"micro": f1(sum(tp.values()), sum(fp.values()), sum(fn.values())),
            "per_type": {t: f1(tp[t], fp[t], fn[t]) for t in types}}


def safety_scores() -> dict:
    import yaml
    from bot.nlu.safety import detect
    cases = yaml.safe_load(SAFETY_CASES.read_text(encoding="utf-8"))
    missed, wrong_kind, alarms = [], [], []
    for case in cases["emergencies"]:
        hit = detect(case["text"])
        if hit is None:
            missed.append(case["text"])
        elif hit.intent != case["kind"]:
            wrong_kind.append({"text": case["text"], "expected": case["kind"], "got": hit.intent})
    for text in cases["ordinary"]:
        hit = detect(text)
        if hit is not None:
            alarms.append({"text": text, "rule": hit.rule})
    n_e, n_o = len(cases["emergencies"]), len(cases["ordinary"])
    return {"emergencies": n_e, "caught": n_e - len(missed), "missed": missed,
            "wrong_kind": wrong_kind, "ordinary": n_o, "false_alarms": len(alarms),
            "false_alarm_rate": round(len(alarms) / max(n_o, 1), 4), "alarms": alarms}


def cross_validation(folds: int = 5) -> dict:
    out = REPORTS / "cv"
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    subprocess.run([str(Path(sys.executable).parent / "rasa"), "test", "nlu", "--nlu", "data",
                    "--config", "config.yml", "--cross-validation", "--folds", str(folds),
                    "--out", str(out)], cwd=PROJECT_ROOT, check=True,
                   env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    report = json.loads((out / "intent_report.json").read_text())
    return {"folds": folds, "accuracy": round(report["accuracy"], 4),
            "weighted_f1": round(report["weighted avg"]["f1-score"], 4),
            "macro_f1": round(report["macro avg"]["f1-score"], 4),
            "seconds": round(time.monotonic() - started)}


def _md(report: dict) -> str:
    lines = ["# NLU evaluation", ""]
    for name in ("simplified", "traditional"):
        r = report[name]
        lines += [f"## Held-out split, {name} script ({r['n']} examples)", "",
                  f"- intent accuracy: **{r['accuracy']:.4f}**",
                  f"- FAQ response selection accuracy: {r['faq_response_accuracy']}",
                  f"- entity micro P/R/F1: {r['entities']['micro']['precision']} / "
                  f"{r['entities']['micro']['recall']} / **{r['entities']['micro']['f1']}**", ""]
        if name == "simplified":
            lines += ["| intent | precision | recall | F1 | support |", "|---|---|---|---|---|"]
            lines += [f"| {k} | {v['precision']} | {v['recall']} | {v['f1']} | {v['support']} |"
                      for k, v in r["per_intent"].items()]
            lines += ["", "Top confusions (gold -> predicted):", ""]
            lines += [f"- {c['gold']} -> {c['predicted']}: {c['count']}" for c in r["confusions"]]
            lines += ["", "| entity | precision | recall | F1 | support |", "|---|---|---|---|---|"]
            lines += [f"| {k} | {v['precision']} | {v['recall']} | {v['f1']} | {v['support']} |"
                      for k, v in r["entities"]["per_type"].items()]
            lines += [""]
    gap = report["simplified"]["accuracy"] - report["traditional"]["accuracy"]
    lines += [f"Traditional vs Simplified accuracy gap: {gap * 100:.2f} points", ""]
    if report.get("typos"):
        lines += ["## Held-out split with homophone typos", "",
                  "Each Chinese character of the simplified held-out texts replaced with probability"
                  " 0.1 by another common character with the same pinyin (an IME typo).", "",
                  f"- intent accuracy: **{report['typos']['accuracy']:.4f}** "
                  f"({report['typos']['n']} examples)", ""]
    s = report["safety"]
    lines += ["## Safety detector", "",
              f"- emergencies caught: {s['caught']}/{s['emergencies']} "
              f"(wrong kind: {len(s['wrong_kind'])})",
              f"- false alarms on ordinary questions: {s['false_alarms']}/{s['ordinary']} "
              f"({s['false_alarm_rate'] * 100:.2f}%)", ""]
    if s["missed"]:
        lines += ["Missed:", ""] + [f"- {t}" for t in s["missed"]] + [""]
    if s["alarms"]:
        lines += ["False alarms:", ""] + [f"- {a['text']} ({a['rule']})" for a in s["alarms"]] + [""]
    if report.get("cross_validation"):
        cv = report["cross_validation"]
        lines += ["## 5-fold cross-validation over data/nlu", "",
                  f"- accuracy {cv['accuracy']}, weighted F1 {cv['weighted_f1']}, macro F1 "
                  f"{cv['macro_f1']} ({cv['seconds']} s)", ""]
    lines += ["## Held-out errors (simplified)", ""]
    lines += [f"- `{e['text']}`: {e['gold']} -> {e['predicted']} ({e['confidence']})"
              for e in report["simplified"]["errors"]]
    return "\n".join(lines) + "\n"


def _quiet() -> None:
    """Rasa logs every parse at debug level; an evaluation prints only its figures."""
    import logging
    import structlog
    logging.getLogger().setLevel(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def evaluate(*, cv: bool = False, model: Path = MODEL) -> dict:
    _quiet()
    from rasa.core.agent import Agent
    agent = Agent.load(str(model))
    holdout = load_examples(HOLDOUT)
    trad = traditional_copy(holdout)
    typos = homophone_copy(holdout)
    report = {
        "simplified": _scores(holdout, asyncio.run(_parse_all(agent, [e["text"] for e in holdout]))),
        "traditional": _scores(trad, asyncio.run(_parse_all(agent, [e["text"] for e in trad]))),
        "typos": _scores(typos, asyncio.run(_parse_all(agent, [e["text"] for e in typos]))),
        "safety": safety_scores(),
        "training_examples": len(load_examples(PROJECT_ROOT / "data" / "nlu")),
    }
    if cv:
        report["cross_validation"] = cross_validation()
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    (REPORTS / "report.md").write_text(_md(report), encoding="utf-8")
    return report


def _train(config: Path, out: Path, name: str) -> float:
    started = time.monotonic()
    subprocess.run([str(Path(sys.executable).parent / "rasa"), "train", "nlu", "--config",
                    str(config), "--nlu", "data", "--out", str(out), "--fixed-model-name",
                    name, "--quiet"], cwd=PROJECT_ROOT, check=True,
                   env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    return time.monotonic() - started


def _stats(samples: list[float]) -> dict:
    samples = sorted(samples)
    return {"n": len(samples), "p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
            "mean_ms": round(statistics.fmean(samples), 2)}


def _latency(models: dict[str, Path], texts: list[str], rounds: int) -> dict[str, dict]:
    """Parse latency of several models, interleaved text by text so that machine noise and
    drift fall on all of them alike."""
    _quiet()
    from rasa.core.agent import Agent
    agents = {name: Agent.load(str(path)) for name, path in models.items()}

    async def run():
        samples = {name: [] for name in agents}
        for agent in agents.values():
            for t in texts[:20]:
                await agent.parse_message(t)          # warm-up
        for _ in range(rounds):
            for t in texts:
                for name, agent in agents.items():
                    started = time.perf_counter()
                    await agent.parse_message(t)
                    samples[name].append((time.perf_counter() - started) * 1000)
        return samples

    return {name: _stats(values) for name, values in asyncio.run(run()).items()}


def benchmark(*, rounds: int = 3, reuse: bool = False) -> dict:
    """Train the product NLU and the bare baseline in this run (``reuse``: take the models a
    previous run left in .baseline/), then time parsing."""
    import yaml
    BASELINE_DIR.mkdir(exist_ok=True)
    epochs = next(c for c in yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())["pipeline"]
                  if c["name"] == "DIETClassifier")["epochs"]
    bare_config = BASELINE_DIR / "config.yml"
    bare_config.write_text(BARE_CONFIG.format(epochs=epochs))
    ours_seconds = bare_seconds = None
    if not reuse:
        ours_seconds = _train(PROJECT_ROOT / "config.yml", BASELINE_DIR, "product-nlu")
        bare_seconds = _train(bare_config, BASELINE_DIR, "bare-nlu")
    texts = [e["text"] for e in load_examples(HOLDOUT)]
    timed = _latency({"product": BASELINE_DIR / "product-nlu.tar.gz",
                      "bare": BASELINE_DIR / "bare-nlu.tar.gz"}, texts, rounds)
    ours, bare = timed["product"], timed["bare"]
    result = {"texts": len(texts), "rounds": rounds,
              "product": {**ours, "train_seconds": round(ours_seconds, 1) if ours_seconds else None},
              "bare": {**bare, "train_seconds": round(bare_seconds, 1) if bare_seconds else None},
              "ratio_p50": round(ours["p50_ms"] / bare["p50_ms"], 3),
              "ratio_p95": round(ours["p95_ms"] / bare["p95_ms"], 3)}
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "bench.json").write_text(json.dumps(result, indent=2))
    return result


def main(argv: list[str] | None = None) -> int:
    import argparse
    parser = argparse.ArgumentParser(prog="python -m bot.nlu.evaluate")
    sub = parser.add_subparsers(dest="what", required=True)
    ev = sub.add_parser("eval")
    ev.add_argument("--cv", action="store_true", help="also run 5-fold cross-validation")
    bench = sub.add_parser("bench")
    bench.add_argument("--rounds", type=int, default=3)
    bench.add_argument("--reuse", action="store_true", help="time the models of the last run")
    args = parser.parse_args(argv)
    if args.what == "eval":
        r = evaluate(cv=args.cv)
        s = r["safety"]
        print(f"held-out accuracy {r['simplified']['accuracy']:.4f} (n={r['simplified']['n']}), "
              f"traditional {r['traditional']['accuracy']:.4f}, entity F1 "
              f"{r['simplified']['entities']['micro']['f1']}, faq {r['simplified']['faq_response_accuracy']}")
        print(f"with homophone typos: {r['typos']['accuracy']:.4f}")
        print(f"safety: caught {s['caught']}/{s['emergencies']}, false alarms "
              f"{s['false_alarms']}/{s['ordinary']} ({s['false_alarm_rate'] * 100:.2f}%)")
        if r.get("cross_validation"):
            print(f"5-fold CV accuracy {r['cross_validation']['accuracy']}")
        print(f"report: {REPORTS / 'report.md'}")
    else:
        r = benchmark(rounds=args.rounds, reuse=args.reuse)
        print(f"parse latency over {r['texts']} held-out texts x {r['rounds']}:")
        for name in ("product", "bare"):
            x = r[name]
            train = f"train {x['train_seconds']:6.1f} s" if x["train_seconds"] else ""
            print(f"  {name:<8} p50 {x['p50_ms']:7.2f} ms  p95 {x['p95_ms']:7.2f} ms  {train}")
        print(f"  ratio    p50 {r['ratio_p50']:.3f}x   p95 {r['ratio_p95']:.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
