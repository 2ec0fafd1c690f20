"""``storybot health``'s database line on PostgreSQL: why storybot cannot write it, and
what to do.

:func:`storage.write_state.probe_pg_writes` asks the server in one read-only statement;
this words its answer: a standby, sessions made read-only (and the statement that ends
it, from where it is set), or the privileges the role lacks on storybot's tables and
their id sequences (with the GRANTs, for the owner to run). Its own module because its
wording is long and PostgreSQL's alone.
"""

from __future__ import annotations

from adapters.health_findings import OK, PROBLEM, Finding
from storage.write_state import SEQUENCE_PRIVILEGE, TABLE_PRIVILEGES, PgWriteState


def pg_writes(name: str, state: PgWriteState, source: str) -> Finding:
    """The database line of a PostgreSQL database (:func:`storage.write_state.probe_pg_writes`).

    A problem, saying what to do, when storybot's writes fail there whatever it does: a
    standby (point the URL at the primary), sessions read-only by
    ``default_transaction_read_only`` (the statement that ends it, from where it is set),
    or privileges the role lacks on storybot's tables or on the sequences of their ids
    (the GRANTs, for the role owning the tables to run). Else ok, naming the role.
    """
    problems = []
    if state.standby:
        problems.append(
            "it is a standby server (pg_is_in_recovery()), read-only: storybot's writes "
            f"fail there; point {source or 'the database URL'} at the primary"
        )
    elif state.read_only and state.read_only_source == "default":  # not by that setting
        problems.append(
            "its transactions are read-only (transaction_read_only = on): storybot's "
            "writes fail there"
        )
    elif state.read_only:
        problems.append(
            "its sessions are read-only: default_transaction_read_only = on, "
            f"{_read_only_end(state)}; storybot's writes fail until it is off"
        )
    if state.missing:
        problems.append(_missing_privileges(state))
    if problems:
        return Finding("database", PROBLEM, f"{name} answers, but {'; and '.join(problems)}")
    if not state.tables:  # not storybot's database (yet): the schema line tells
        return Finding("database", OK, f"{name} answers")
    return Finding(
        "database", OK, f"{name} answers, and storybot can write it (as role {state.role})"
    )


def _read_only_end(state: PgWriteState) -> str:
    """Where ``default_transaction_read_only = on`` comes from, and what turns it off."""
    setting = "default_transaction_read_only"
    role, database = state.role, state.database
    source = state.read_only_source
    if source == "client":
        return (
            "set by the connection's options (options=-c... in the URL, or PGOPTIONS in "
            "the environment): remove it"
        )
    if source == "user":
        return f"set for role {role}: ALTER ROLE {role} RESET {setting}"
    if source == "database":
        return f"set for database {database}: ALTER DATABASE {database} RESET {setting}"
    if source == "database user":
        return (
            f"set for role {role} in database {database}: ALTER ROLE {role} IN DATABASE "
            f"{database} RESET {setting}"
        )
    return f"set in the server's {source}: ALTER ROLE {role} SET {setting} = off"


def _missing_privileges(state: PgWriteState) -> str:
    """ "role bot may not write storybot's tables: no INSERT, UPDATE or DELETE on items,
    …; no USAGE on the id sequences of …; storybot's writes fail until it may: GRANT …"."""
    lacking: dict[str, list[str]] = {}
    sequences = []
    for table, privilege in state.missing:
        if privilege == SEQUENCE_PRIVILEGE:
            sequences.append(table)
        else:
            lacking.setdefault(table, []).append(privilege)
    groups: dict[tuple[str, ...], list[str]] = {}
    for table, privileges in lacking.items():
        key = tuple(p for p in TABLE_PRIVILEGES if p in privileges)
        groups.setdefault(key, []).append(table)
    parts = [
        f"no {_either(list(privileges))} on {_some(sorted(tables))}"
        for privileges, tables in sorted(groups.items(), key=lambda kv: min(kv[1]))
    ]
    if sequences:
        parts.append(f"no {SEQUENCE_PRIVILEGE} on the id sequences of {_some(sorted(sequences))}")
    grants = []
    for schema in state.schemas:
        if lacking:
            grants.append(
                f"GRANT {', '.join(TABLE_PRIVILEGES)} ON ALL TABLES IN SCHEMA {schema} "
                f"TO {state.role}"
            )
        if sequences:
            grants.append(
                f"GRANT {SEQUENCE_PRIVILEGE} ON ALL SEQUENCES IN SCHEMA {schema} TO {state.role}"
            )
    if len(state.owners) == 1:
        owner = state.owners[0]
        who = f"(as {owner}), or run storybot as {owner}, the role that owns them"
    else:
        who = f"(each as the owner of its tables: {', '.join(state.owners)}; or as a superuser)"
    return (
        f"role {state.role} may not write storybot's tables: {'; '.join(parts)}; storybot's "
        f"writes fail until it may: {'; '.join(grants)} {who}"
    )


def _either(words: list[str]) -> str:
    """ "INSERT, UPDATE or DELETE" (one word: itself)."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _some(names: list[str], shown: int = 3) -> str:
    """The first ``shown`` names, and how many more: "a, b, c and 16 more"."""
    if len(names) <= shown:
        return f"{', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else names[0]
    return f"{', '.join(names[:shown])} and {len(names) - shown} more"
