"""``storybot eval track|cluster|dedup|summary``: measure the engine on labelled streams.

Each subcommand prints one JSON object on stdout. The engine runs with the service's
:class:`bot.engine.EngineConfig` defaults, or with the ``[engine]`` table of the config
file the service is given (``storybot --config FILE eval ...``); ``--engine-config`` names
another TOML file whose ``[engine]`` table is used instead (for experiments).
``track --embeddings`` adds the dense-embedding signal exactly as the service does with
``[embeddings] enabled = true``: the embedder comes from the factory the caller passes
(``adapters.cli`` passes the one the service uses), because ``bot`` never imports a model.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from bot.engine import EngineConfig
from bot.errors import ConfigError, UserError
from bot.evaluation.data import StreamError, build_targets, load_stream, with_full_seeds
from bot.ports import Embedder
from bot.toml_file import read_toml

EmbedderFactory = Callable[[], Embedder]


def add_eval_parser(subparsers: Any) -> None:
    """Register ``eval track|cluster|dedup|summary`` on an argparse subparsers object.

    Args:
        subparsers: The result of ``ArgumentParser.add_subparsers()``.
    """
    ev = subparsers.add_parser("eval", help="measure the story engine on a labelled stream")
    # the metavar names it in "arguments are required" as the usage line shows it (the
    # dest, "eval_command", appears nowhere a user sees)
    sub = ev.add_subparsers(
        dest="eval_command", required=True, metavar="{track,cluster,dedup,summary}"
    )

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--data", required=True, metavar="STREAM", help="labelled stream, .jsonl or .jsonl.gz"
        )
        # not --config: the storybot command has a global --config of its own
        p.add_argument(
            "--engine-config",
            dest="engine_config",
            metavar="FILE",
            help="TOML file whose [engine] table overrides the defaults, instead of the "
            "[engine] table of the global --config file (for experiments)",
        )

    tr = sub.add_parser("track", help="TDT tracking protocol: P_miss, P_fa, C_norm")
    common(tr)
    tr.add_argument(
        "--seeds",
        type=_positive_int,
        default=4,
        metavar="N",
        help="seed items per target (Nt, default 4)",
    )
    tr.add_argument(
        "--window",
        type=_days,
        default=30,
        metavar="DAYS",
        help="days after the last seed (W, default 30)",
    )
    tr.add_argument(
        "--decisions", metavar="FILE", help="write one JSON line per judgement to this file"
    )
    tr.add_argument(
        "--limit-targets", type=_positive_int, metavar="N", help="only the first N targets"
    )
    tr.add_argument(
        "--jobs",
        type=_positive_int,
        metavar="N",
        help="processes deciding targets at once (the figures do not change); default: "
        "1, or up to 4 (the CPUs) for a run of 50,000 judgements or more",
    )
    tr.add_argument("--headline-only", action="store_true", help="drop summaries and bodies")
    tr.add_argument(
        "--headline-only-stream",
        action="store_true",
        help="drop summaries and bodies of the stream, not of the seeds "
        "(a story added from full articles, followed on a headline-only feed)",
    )
    tr.add_argument(
        "--summary-only",
        action="store_true",
        help="drop bodies, keep headlines and summaries (a feed that sends an RSS summary)",
    )
    tr.add_argument(
        "--summary-only-stream",
        action="store_true",
        help="drop the stream's bodies, not the seeds' (a story added from full articles, "
        "followed on a feed that sends summaries)",
    )
    tr.add_argument(
        "--feedback",
        choices=("alerts", "all"),
        help="an admin correcting the engine with the gold labels as /story wrong does, "
        "right after each decision: every report taken wrongly (alerts), or that and every "
        "report missed (all); the corrected decision itself is counted as it was made",
    )
    tr.add_argument(
        "--together",
        action="store_true",
        help="follow every target in one engine at once, as the service follows its stories "
        "(each target still scored on its own stream); the protocol gives each its own engine",
    )
    tr.add_argument("--baseline", action="store_true", help="also run the TF-IDF baseline")
    tr.add_argument(
        "--embeddings",
        action="store_true",
        help="add dense sentence embeddings as the service does with [embeddings] enabled "
        "(needs the 'embed' extra)",
    )

    cl = sub.add_parser("cluster", help="event clustering: B-cubed P/R/F1 and ARI")
    common(cl)

    dd = sub.add_parser("dedup", help="near-duplicate detection on a syndication test set")
    common(dd)
    dd.add_argument(
        "--seed", type=int, default=13, metavar="N", help="random seed of the test set (default 13)"
    )

    sm = sub.add_parser(
        "summary",
        help="update summaries against the reports' own abstracts: ROUGE-1/2, baselines beside",
    )
    common(sm)
    sm.add_argument(
        "--seeds",
        type=_positive_int,
        default=4,
        metavar="N",
        help="reports of the seed story (update task, default 4)",
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _days(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {text!r}") from None
    if not 0 <= value <= 36500:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"must be between 0 and 36500 days, not {text}")
    return value


def _warn(message: str) -> None:
    print(f"storybot eval: warning: {message}", file=sys.stderr)


def _config(path: str | None) -> EngineConfig:
    # read as --config is: a directory, bad TOML or non-UTF-8 text is one worded line
    if not path:
        return EngineConfig()
    return EngineConfig.from_mapping(read_toml(Path(path)).get("engine"))


def run_eval(
    args: argparse.Namespace,
    make_embedder: EmbedderFactory | None = None,
    service_config: EngineConfig | None = None,
) -> int:
    """Run the ``eval`` subcommand chosen in ``args`` and print its JSON result.

    Args:
        args: Parsed arguments from a parser built with :func:`add_eval_parser`.
        make_embedder: Builds the embedder for ``track --embeddings``.
        service_config: The engine settings of the service's config file (``storybot
            --config``), measured unless ``--engine-config`` names another file; None
            measures the defaults.

    Returns:
        The process exit code.
    """
    try:
        config = _config(args.engine_config) if args.engine_config else service_config
        config = config or EngineConfig()
    except (ConfigError, ValueError) as exc:
        print(f"storybot eval: bad --engine-config: {exc}", file=sys.stderr)
        return 2
    embedder: Embedder | None = None
    if getattr(args, "embeddings", False):
        if getattr(args, "together", False):
            print(
                "storybot eval: --together does not take --embeddings (not measured that way)",
                file=sys.stderr,
            )
            return 2
        if make_embedder is None:
            print("storybot eval: --embeddings needs an embedder factory", file=sys.stderr)
            return 2
        try:
            embedder = make_embedder()
        except UserError as exc:  # the adapter's message says what to install
            print(f"storybot eval: {exc}", file=sys.stderr)
            return 2
    try:
        if args.eval_command == "track":
            result = _track(args, config, embedder)
        elif args.eval_command == "cluster":
            from bot.evaluation.clustering import evaluate_clustering

            start = time.perf_counter()
            result = evaluate_clustering(
                load_stream(args.data, warn=_warn), config, Progress("items clustered")
            )
            result["seconds"] = round(time.perf_counter() - start, 2)
            if not result["items"]:
                _warn(f"{args.data}: no items, so nothing was measured")
        elif args.eval_command == "summary":
            result = _summary(args, config)
        else:
            from bot.evaluation.dedup import MIN_ARTICLE_WORDS, evaluate_dedup

            start = time.perf_counter()
            result = evaluate_dedup(load_stream(args.data, warn=_warn), config, seed=args.seed)
            result["seconds"] = round(time.perf_counter() - start, 2)
            if result["basis"] is None:
                _warn(
                    f"no test set: no event has two reports with a body of at least "
                    f"{MIN_ARTICLE_WORDS} words or two headlines of at least "
                    f"{config.copy_title_words} words, so nothing was measured"
                )
    except (StreamError, UserError) as exc:
        print(f"storybot eval: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"storybot eval: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


class Progress:
    """Says on stderr how far a long run is: at most every ``every_s`` seconds, never for
    a run that ends sooner, and not once it is done (the result follows)."""

    def __init__(
        self,
        what: str,
        out: IO[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        every_s: float = 10.0,
    ) -> None:
        self._what = what
        self._out = out
        self._clock = clock
        self._every_s = every_s
        self._start = clock()
        self._last = self._start

    def __call__(self, done: int, total: int) -> None:
        """Report ``done`` of ``total`` if ``every_s`` has passed since the last report."""
        now = self._clock()
        if done >= total or now - self._last < self._every_s:
            return
        self._last = now
        print(
            f"storybot eval: {done} of {total} {self._what} ({now - self._start:.0f} s)",
            file=self._out or sys.stderr,
            flush=True,
        )


def _track(
    args: argparse.Namespace, config: EngineConfig, embedder: Embedder | None = None
) -> dict[str, Any]:
    from bot.evaluation.baseline import baseline_decider
    from bot.evaluation.together import together_decider
    from bot.evaluation.tracking import default_jobs, engine_decider, run_tracking

    start = time.perf_counter()
    headline_only = args.headline_only or args.headline_only_stream
    summary_only = args.summary_only or args.summary_only_stream
    if headline_only and summary_only:
        raise UserError(
            "--headline-only[-stream] and --summary-only[-stream] exclude each other "
            "(a headline-only item has no summary either)"
        )
    items = load_stream(
        args.data, headline_only=headline_only, summary_only=summary_only, warn=_warn
    )
    targets = build_targets(items, args.seeds, args.window)
    full_seeds = (args.headline_only_stream and not args.headline_only) or (
        args.summary_only_stream and not args.summary_only
    )
    if full_seeds:
        targets = with_full_seeds(targets, load_stream(args.data))
    if args.limit_targets is not None:
        targets = targets[: args.limit_targets]
    with contextlib.ExitStack() as stack:
        out = (
            stack.enter_context(_decisions_file(args.decisions, args.data))
            if args.decisions
            else None
        )
        if args.together:
            decide = together_decider(
                items,
                targets,
                config,
                progress=Progress("items read by the engine"),
                feedback=args.feedback,
            )
            jobs = 1  # every decision is made already
        else:
            decide = engine_decider(
                items,
                targets,
                config,
                embedder,
                progress=Progress("items read by the engine"),
                feedback=args.feedback,
            )
            # a model in forked processes is not safe (its own threads): one process then
            jobs = 1 if embedder is not None else (args.jobs or default_jobs(targets))
        result: dict[str, Any] = run_tracking(
            targets, decide, out, jobs, progress=Progress("targets tracked")
        )
    result["seconds"] = round(time.perf_counter() - start, 2)
    if not targets:
        _warn(
            f"no targets: no event has more than {args.seeds} items with a report of it "
            f"within {args.window:g} days of its seeds, so nothing was measured"
        )
    if embedder is not None:
        result["embeddings"] = embedder.name
    if args.feedback is not None:
        result["feedback"] = args.feedback
    if args.together:
        result["together"] = True
    if args.baseline:
        start = time.perf_counter()
        base = run_tracking(
            targets, baseline_decider(items), progress=Progress("targets tracked by the baseline")
        )
        base["seconds"] = round(time.perf_counter() - start, 2)
        result["baseline"] = base
    return result


def _summary(args: argparse.Namespace, config: EngineConfig) -> dict[str, Any]:
    from bot.evaluation.summaries import MIN_ABSTRACT_WORDS, evaluate_summaries

    start = time.perf_counter()
    result = evaluate_summaries(
        load_stream(args.data, warn=_warn),
        config,
        seeds=args.seeds,
        progress=Progress("items read for the summaries"),
    )
    result["seconds"] = round(time.perf_counter() - start, 2)
    if not result["events"]:
        _warn(
            f"no references: no event has three reports with a body and one with an "
            f"abstract (a summary of at least {MIN_ABSTRACT_WORDS} words), so nothing was "
            "measured"
        )
    return result


def _decisions_file(path: str, data: str) -> IO[str]:
    """``--decisions`` opened for writing; a path that cannot be written is a user error.

    The ``--data`` file itself is refused: opening it for writing would empty the stream.
    """
    with contextlib.suppress(OSError):
        if os.path.samefile(path, data):
            raise UserError(f"--decisions {path} is the --data file; name another file")
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write --decisions {path} ({exc.strerror or exc})") from None


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry: ``python -m bot.evaluation.cli track --data ...``."""
    parser = argparse.ArgumentParser(prog="storybot")
    add_eval_parser(parser.add_subparsers(dest="command", required=True))
    return run_eval(parser.parse_args(["eval", *(argv if argv is not None else sys.argv[1:])]))


if __name__ == "__main__":
    raise SystemExit(main())
