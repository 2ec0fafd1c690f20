"""Scale-out: storybot's work as procrastinate jobs shared by many worker processes.

One PostgreSQL database holds storybot's tables and procrastinate's job tables. Any number
of ``storybot worker`` processes, on any machines, take jobs from it:

==========================  ===========  ==============================  ==============================
task                        queue        lock / queueing lock            deferred by
==========================  ===========  ==============================  ==============================
``storybot.schedule``       poll         - / ``schedule``                periodic, [polling] tick
``storybot.poll_feed``      poll         ``feed:ID`` / ``poll:ID``       ``schedule``, one per due feed
``storybot.page_waits``     poll         same / ``page_waits``           periodic, [polling] tick
``storybot.judge``          engine       ``engine`` / -                  ``poll_feed``, ``page_waits``
``storybot.judge_updates``  engine       ``engine`` / ``judge_updates``  ``poll_feed`` (updated items)
``storybot.background``     engine       ``engine`` / ``background``     periodic, every minute
``storybot.deliver``        deliver      ``deliver`` / same              periodic, [delivery] tick
``storybot.digests``        deliver      ``digests`` / same              periodic, every minute
``storybot.retry_stalled``  maintenance  - / ``retry_stalled``           periodic, every heartbeat
==========================  ===========  ==============================  ==============================

Why each guarantee holds:

* *A feed is polled once per interval.* ``next_poll_at`` stays the schedule: the periodic
  ``schedule`` job defers one ``poll_feed`` job per due feed, and the queueing lock keeps at
  most one waiting per feed. The ``feed:ID`` lock keeps two polls of one feed from running
  at once, and ``poll_feed`` re-reads the feed first, so a job that waited behind a poll
  that just finished finds the feed no longer due and does nothing.
* *Items are judged in order, on the current engine state.* Every ``judge`` job holds the
  one ``engine`` lock, and procrastinate starts jobs sharing a lock one at a time in the
  order they were deferred. Each job builds a fresh ``Engine`` and tracks every story from
  ``store.load_engine_state`` (another process may have committed since), with the stream
  statistics every story weighs with as the last commit stored them in their own row
  (``store.load_stream``), skips items already judged (a retried job), and commits
  judgements, developments, engine states, the stream statistics and outbox rows in one
  transaction.
* *Each alert is delivered once.* ``deliver`` runs the ordinary ``DeliveryWorker`` under
  the ``deliver`` lock, so one process at a time sends. If that process dies mid-send, its
  job stays "doing"; ``retry_stalled`` notices the worker's missing heartbeats and re-queues
  the job, and the outbox's ``post_started_at`` makes the new attempt ask the sink for the
  message (Slack: message metadata; Discord: nonce) before posting again.

Every worker also serves the small ``maintenance`` queue, so stalled jobs are recovered as
long as one worker is alive. After an outage that all workers saw, every heartbeat is as
old as the outage: a worker judges others stalled only once it has itself been connected
for ``--stalled-after`` (:mod:`adapters.jobs.connected`), and a worker finishing its jobs
through the outage renews its heartbeat as soon as the database answers again. A live worker's job whose end procrastinate could not record
(its connection cut just then) would stay "doing" under a heartbeat that goes on, holding
its lock for ever; each worker puts its own such jobs back (``tasks.LostJobs``), and a worker
restarted after an outage those its earlier run left, with that run's row
(``tasks.release_earlier_run``). A stalled job that cannot go back to the queue because an
identical job is already waiting there (same queueing lock: the next delivery tick, the
next poll of that feed) is closed as aborted instead; the waiting job does its work.

Stopping: procrastinate stops a worker's heartbeat as soon as it is asked to stop, then
waits for its running jobs; ``run_worker`` keeps the heartbeat going until they are done,
or other workers would retry them while they still run. Running jobs get
``WorkerOptions.stop_grace_s`` and are then cancelled; jobs are kept short for that reason
(a delivery job sends at most 20 rows, and stops after the current one once asked to).
Workers compare ``next_poll_at`` with their own clock: keep the machines' clocks in sync
(NTP). The engine's stream-wide term statistics, which seed a story tracked for the first
time, are kept current in the database by the periodic ``background`` job; it holds the
``engine`` lock too, so it runs after the judging jobs queued before its tick and folds the
items stored by then only (the later ones are their judging jobs' to count), at most 20,000
a tick, oldest first: after a stall of the engine queue it catches up over several ticks
and skips none. Before its first tick nothing is saved, and a first story's judging job
reads the items stored so far instead, as one process reads the backlog it kept.
"""

from adapters.jobs.worker import QUEUES, WorkerOptions, run_worker

__all__ = ["QUEUES", "WorkerOptions", "run_worker"]
