"""Settings: defaults, config files, environment, and clear errors for wrong values."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import ConfigError
from bot.settings import load_settings


def write(tmp_path, text: str):
    path = tmp_path / "storybot.toml"
    path.write_text(text)
    return path


@pytest.fixture
def cli_with(tmp_path, monkeypatch, capsys):
    """Run ``storybot --config FILE ARGS...`` in ``tmp_path`` on a SQLite file there, the
    file holding ``text``: the exit status and what it wrote to stderr, and the file."""
    from adapters.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORYBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")

    def run(text: str, *args: str) -> tuple[int, str, object]:
        path = write(tmp_path, text)
        status = main(["--config", str(path), *args])
        return status, capsys.readouterr().err, path

    return run


def test_defaults_need_no_file_and_no_environment():
    s = load_settings(env={})
    assert s.database_url == "sqlite:///storybot.db"
    assert s.polling.default_interval_s == 900
    assert not s.slack.enabled and not s.discord.enabled


def test_environment_overrides_database_and_enables_adapters():
    s = load_settings(
        env={
            "STORYBOT_DATABASE_URL": "postgresql://postgres@127.0.0.1/test",
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_APP_TOKEN": "xapp-1",
            "DISCORD_BOT_TOKEN": "d-1",
            "STORYBOT_SLACK_API_URL": "http://127.0.0.1:9/api/",
            "STORYBOT_ALLOWED_HOSTS": "127.0.0.1, feeds.internal",
        }
    )
    assert s.database_url.startswith("postgresql://")
    assert (
        s.slack.enabled
        and s.slack.mode == "socket"
        and s.slack.api_url == "http://127.0.0.1:9/api/"
    )
    assert s.discord.enabled
    assert s.allowed_hosts == {"127.0.0.1", "feeds.internal"}


def test_signing_secret_without_app_token_means_http_mode():
    s = load_settings(env={"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"})
    assert s.slack.mode == "http" and s.slack.enabled


def test_secrets_are_never_shown_in_repr():
    s = load_settings(
        env={"SLACK_BOT_TOKEN": "xoxb-very-secret", "DISCORD_BOT_TOKEN": "discord-secret"}
    )
    assert "very-secret" not in repr(s) and "discord-secret" not in repr(s)


def test_a_database_password_is_never_shown_in_repr():
    s = load_settings(env={"STORYBOT_DATABASE_URL": "postgresql://bot:pg-very-secret@db/storybot"})
    assert s.database_url.endswith("@db/storybot")
    assert "pg-very-secret" not in repr(s)


@pytest.mark.parametrize(
    ("text", "variable"),
    [
        (
            '[database]\nurl = "postgresql://bot:pg-very-secret@db/storybot"\n',
            "STORYBOT_DATABASE_URL",
        ),
        (
            '[summarizer]\nkind = "openai"\nurl = "https://u:pg-very-secret@llm.example/v1"\n'
            'model = "m"\n',
            "STORYBOT_SUMMARIZER_URL",
        ),
        # libpq reads a password from the query too (SQLAlchemy hands it to the driver)
        (
            '[database]\nurl = "postgresql://bot@db/storybot?password=pg-very-secret"\n',
            "STORYBOT_DATABASE_URL",
        ),
        (
            '[database]\nurl = "postgresql://bot@db/storybot?sslmode=require&sslpassword=pg-very-secret"\n',
            "STORYBOT_DATABASE_URL",
        ),
        (
            '[summarizer]\nkind = "openai"\nurl = "https://llm.example/v1?api_key=pg-very-secret"\n'
            'model = "m"\n',
            "STORYBOT_SUMMARIZER_URL",
        ),
    ],
)
def test_a_config_file_url_with_a_password_is_refused_without_echoing_it(tmp_path, text, variable):
    with pytest.raises(ConfigError) as refused:
        load_settings(write(tmp_path, text), env={})
    assert "password" in str(refused.value) and variable in str(refused.value)
    assert "pg-very-secret" not in str(refused.value)


def test_a_config_file_database_url_without_a_password_still_loads(tmp_path):
    s = load_settings(write(tmp_path, '[database]\nurl = "postgresql://bot@db/storybot"\n'), env={})
    assert s.database_url == "postgresql://bot@db/storybot"


def test_a_config_file_database_url_naming_key_files_still_loads(tmp_path):
    # libpq's sslkey and passfile name files, not secrets: a config file may say them
    url = "postgresql://bot@db/storybot?sslmode=verify-full&sslkey=/etc/pg/k.pem&passfile=/etc/pg/pass"
    s = load_settings(write(tmp_path, f'[database]\nurl = "{url}"\n'), env={})
    assert s.database_url == url


@pytest.mark.parametrize("value", [0, 250, 1_000_000])
def test_the_installations_subscription_cap_is_read_from_permissions(tmp_path, value):
    assert load_settings(write(tmp_path, ""), env={}).max_subscriptions == 10_000
    path = write(tmp_path, f"[permissions]\nmax_subscriptions = {value}\n")
    assert load_settings(path, env={}).max_subscriptions == value


@pytest.mark.parametrize("value", ["-1", "1.5", "'many'", "true"])
def test_a_subscription_cap_that_is_no_count_is_refused(tmp_path, value):
    path = write(tmp_path, f"[permissions]\nmax_subscriptions = {value}\n")
    with pytest.raises(ConfigError, match=r"\[permissions\] max_subscriptions must be a whole"):
        load_settings(path, env={})


@pytest.mark.parametrize(("value", "hours"), [("0", 0.0), ("1", 1.0), ("12.5", 12.5)])
def test_how_often_subscription_owners_are_checked(tmp_path, value, hours):
    assert load_settings(write(tmp_path, ""), env={}).check_owners_hours == 24.0
    path = write(tmp_path, f"[permissions]\ncheck_owners_hours = {value}\n")
    assert load_settings(path, env={}).check_owners_hours == hours


@pytest.mark.parametrize(
    ("value", "said"),
    [("0.5", "must be 0 (never) or from 1 to 8,760"), ("-1", "must be a number"), ("'daily'", "")],
)
def test_an_owner_check_period_too_short_or_no_number_is_refused(tmp_path, value, said):
    path = write(tmp_path, f"[permissions]\ncheck_owners_hours = {value}\n")
    with pytest.raises(ConfigError, match=r"\[permissions\] check_owners_hours " + re.escape(said)):
        load_settings(path, env={})


@pytest.mark.parametrize(
    ("value", "shown"), [("8761", "8761"), ("1e8", "100000000.0"), ("100000000", "100000000")]
)
def test_an_owner_check_period_past_a_year_is_refused(tmp_path, value, shown):
    # 1e8 hours: "now minus a period" is before year 1, so every claim of a run failed
    # (OverflowError), logged each retry, and no owner was ever checked
    path = write(tmp_path, f"[permissions]\ncheck_owners_hours = {value}\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert str(err.value).endswith(
        "[permissions] check_owners_hours must be 0 (never) or from 1 to 8,760 (a year), "
        f"got {shown}"
    )


def test_an_owner_check_period_of_a_year_works(tmp_path):
    from datetime import datetime, timezone

    from storage import open_store

    path = write(tmp_path, "[permissions]\ncheck_owners_hours = 8760\n")
    every_s = load_settings(path, env={}).check_owners_hours * 3600
    store = open_store("sqlite://")
    now = datetime(2026, 3, 5, tzinfo=timezone.utc)
    assert store.claim_owner_check("slack", now, every_s, 3600)
    assert not store.claim_owner_check("slack", now, every_s, 3600)


def test_config_file_overrides_defaults(tmp_path):
    s = load_settings(
        write(
            tmp_path,
            "[polling]\ndefault_interval_s = 600\n[permissions]\nadmin_commands = 'everyone'\n",
        ),
        env={},
    )
    assert s.polling.default_interval_s == 600 and s.admin_commands == "everyone"


@pytest.mark.parametrize(
    "text, fragment",
    [
        (
            "[polling]\ndefault_interval_s = 'soon'\n",
            'default_interval_s must be a whole number of at least 1, got "soon"',
        ),
        ("[polling]\nintervall = 5\n", "unknown setting(s) in [polling]: intervall"),
        (
            "[slack]\nmode = 'carrier-pigeon'\n",
            'mode must be "socket" or "http", got "carrier-pigeon"',
        ),
        (
            "[permissions]\nadmin_commands = 'nobody'\n",
            'admin_commands must be "admins" or "everyone", got "nobody"',
        ),
        ("[slack]\nbot_token = 'xoxb-123'\n", "looks like a secret"),
        ("[weird]\nx = 1\n", "unknown section(s): weird"),
        # a setting above every [section] line: not "unknown section(s): timezone"
        (
            "timezone = 'Europe/Berlin'\n",
            "timezone: a setting outside any section; settings go under the [section] line "
            "of theirs, as in config/defaults.toml (timezone goes under [delivery])",
        ),
        ("url = 'sqlite:///x.db'\n", "(url goes under [database] or [summarizer])"),
        ("database_url = 'sqlite:///x.db'\n", "database_url: a setting outside any section;"),
        ("not toml at all [", "is not valid TOML"),
        # valid TOML that Python refuses to turn into an int: no traceback
        (
            "[polling]\ntick_seconds = " + "1" * 5000 + "\n",
            "has a value that cannot be read: Exceeds the limit (4300 digits)",
        ),
        ("[embeddings]\nenabled = 'yes'\n", "[embeddings] enabled must be true or false"),
        ("[embeddings]\nbatch_size = 0\n", "batch_size must be a whole number of at least 1"),
        # not "at least 0" (it said so of -3 and 1.5), which then refused 0
        ("[embeddings]\nbatch_size = -3\n", "batch_size must be a whole number of at least 1"),
        ("[embeddings]\nbatch_size = 1.5\n", "batch_size must be a whole number of at least 1"),
        ("[embeddings]\nmodel = 'big'\n", "unknown setting(s) in [embeddings]: model"),
        ("[pages]\nenabled = 'yes'\n", "[pages] enabled must be true or false"),
        ("[pages]\nconcurrency = 0\n", "[pages] concurrency must be a whole number of at least 1"),
        ("[pages]\ntimeout_s = 0\n", "[pages] timeout_s must be a number greater than 0"),
        ("[pages]\nurl = 'x'\n", "unknown setting(s) in [pages]: url"),
        ("[pages]\nretry_delay_s = -2\n", "[pages] retry_delay_s must be a number of at least 0"),
        ("[engine]\nfoo = 1\n", "unknown [engine] setting(s): foo"),
        ("[engine]\non_topic_threshold = 'x'\n", "[engine] on_topic_threshold must be a number"),
        ("[engine]\nprofile_terms = 2.5\n", "[engine] profile_terms must be a whole number"),
        ("[engine]\nidf_power = -1\n", "[engine] idf_power must not be negative"),
        (
            "[engine]\non_topic_threshold = 1.5\n",
            "[engine] on_topic_threshold must be between 0 and 1",
        ),
        ("[engine]\nmax_developments = 0\n", "[engine] max_developments must be at least 1"),
        (
            "[engine]\ndev_half_life_days = 0\n",
            "[engine] dev_half_life_days must be greater than 0",
        ),
        (
            "[engine]\non_topic_threshold = nan\n",
            "[engine] on_topic_threshold must be a finite number",
        ),
        ("[engine]\nmax_vocab = inf\n", "[engine] max_vocab must be a finite number"),
        ("[engine]\nmax_vocab = 1e300\n", "[engine] max_vocab must be at most 1,000,000,000"),
        # a margin before year 1: every on-topic report's judgement raised OverflowError
        (
            "[engine]\nbackground_before_days = 1e6\n",
            "[engine] background_before_days must be from 0 to 36,500 days (a century), "
            "got 1000000.0",
        ),
        (
            "[engine]\nbackground_before_days = 36501\n",
            "[engine] background_before_days must be from 0 to 36,500 days (a century), got 36501",
        ),
        ("engine = 3\n", "[engine] must be a table"),
        ("[feeds]\nurls = ['http:///path']\n", "[feeds] 'http:///path' is not a valid feed URL"),
        ("[feeds]\nurls = 'https://example.com/f'\n", "[feeds] urls must be a list of URLs"),
        # not a story called "True" or "5", nor one titled "42"
        (
            "[[stories]]\nname = true\nseeds = ['a.txt']\n",
            "[[stories]] entry 1 name must be a string, got true",
        ),
        (
            "[[stories]]\nname = 5\nseeds = ['a.txt']\n",
            "[[stories]] entry 1 name must be a string, got 5",
        ),
        (
            "[[stories]]\nname = 'b'\ntitle = 42\nseeds = ['a.txt']\n",
            "[[stories]] entry 1 title must be a string, got 42",
        ),
        ("[slack]\nhttp_port = 70000\n", "[slack] http_port must be a port, from 1 to 65535"),
        ("[slack]\nhttp_port = 0\n", "[slack] http_port must be a port, from 1 to 65535"),
        # finite but beyond any date: `run` ended in the scheduler's or the pipeline's
        # OverflowError traceback ("Python int too large to convert to C int")
        (
            "[polling]\ntick_seconds = 1e15\n",
            "[polling] tick_seconds must be at most 31,536,000 seconds (a year)",
        ),
        (
            "[delivery]\ntick_seconds = 1e15\n",
            "[delivery] tick_seconds must be at most 31,536,000 seconds (a year)",
        ),
        (
            "[pages]\nwait_s = 1e15\n",
            "[pages] wait_s must be at most 31,536,000 seconds (a year)",
        ),
        (
            "[delivery]\nmax_backoff_s = 1000000000000000000000\n",
            "[delivery] max_backoff_s must be at most 31,536,000 seconds (a year)",
        ),
        # each retry waits twice as long as the one before, inside the poll cycle: 30 retries
        # of 2 s would stall a cycle for 68 years
        (
            "[pages]\nretries = 11\n",
            "[pages] retries must be a whole number from 0 to 10, got 11",
        ),
        ("[pages]\nretries = -1\n", "[pages] retries must be a whole number from 0 to 10"),
        # else `run` in HTTP mode ended in aiohttp's "path should be started with /" traceback
        ("[slack]\nhttp_path = 'slack/events'\n", "[slack] http_path must be a URL path"),
        ("[slack]\nhttp_path = ''\n", "[slack] http_path must be a URL path"),
        ("[slack]\nhttp_path = '/slack events'\n", "[slack] http_path must be a URL path"),
        ("[slack]\nhttp_path = '/slack?x=1'\n", "[slack] http_path must be a URL path"),
        # 0 is "no limit" to SQLAlchemy, -1 too for the overflow: never a cap
        (
            "[database]\npool_size = 0\n",
            "[database] pool_size must be a whole number of at least 1",
        ),
        (
            "[database]\npool_size = 2.5\n",
            "[database] pool_size must be a whole number of at least 1",
        ),
        (
            "[database]\npool_size = '5'\n",
            "[database] pool_size must be a whole number of at least 1",
        ),
        (
            "[database]\npool_size = true\n",
            "[database] pool_size must be a whole number of at least 1",
        ),
        (
            "[database]\nmax_overflow = -1\n",
            "[database] max_overflow must be a whole number of at least 0, got -1",
        ),
        ("[database]\npool = 5\n", "unknown setting(s) in [database]: pool"),
    ],
)
def test_wrong_values_name_the_setting(tmp_path, text, fragment):
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text), env={})
    assert fragment in str(err.value)


def test_the_database_pool_settings_default_to_sqlalchemys_and_take_a_cap(tmp_path):
    default = load_settings(None, env={})
    assert (default.database_pool_size, default.database_max_overflow) == (5, 10)
    text = "[database]\npool_size = 1\nmax_overflow = 0\n"
    s = load_settings(write(tmp_path, text), env={})
    assert (s.database_pool_size, s.database_max_overflow) == (1, 0)


def test_engine_settings_in_range_are_kept(tmp_path):
    text = (
        "[engine]\non_topic_threshold = 0.2\ndev_archive_size = 0\nidf_refresh_docs = 0\n"
        "background_before_days = 36500\n"
    )
    s = load_settings(write(tmp_path, text), env={})
    assert s.engine == {
        "on_topic_threshold": 0.2,
        "dev_archive_size": 0,
        "idf_refresh_docs": 0,
        "background_before_days": 36500,
    }


@pytest.mark.parametrize("path", ["", "  "])
def test_an_empty_config_path_is_an_error_not_the_defaults(path):
    with pytest.raises(ConfigError, match="--config was given an empty path"):
        load_settings(path, env={})


def test_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml", env={})


@pytest.mark.parametrize(
    "data",
    [
        "[[stories]]\nname = 'cafe'\ntitle = 'Caf\u00e9 talks'\n".encode("latin-1"),
        "[polling]\ndefault_interval_s = 600\n".encode("utf-16"),  # Notepad's "Unicode"
    ],
    ids=["latin-1", "utf-16"],
)
def test_a_config_file_that_is_not_utf8_is_a_clear_error(tmp_path, data):
    path = tmp_path / "storybot.toml"
    path.write_bytes(data)
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    said = str(err.value)
    assert f"config file {path} is not UTF-8 text" in said and "save it as UTF-8" in said


def test_a_utf8_config_file_with_a_byte_order_mark_loads(tmp_path):
    # Notepad's and PowerShell's "UTF-8" begin with EF BB BF: tomllib refused the file,
    # "not valid TOML: Invalid statement (at line 1, column 1)", a line that looks fine
    path = tmp_path / "storybot.toml"
    path.write_bytes(b"\xef\xbb\xbf[polling]\r\ndefault_interval_s = 600\r\n")
    assert load_settings(path, env={}).polling.default_interval_s == 600


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("STORYBOT_SLACK_API_URL", "notaurl", "an http(s) URL"),
        ("STORYBOT_SLACK_API_URL", "https://", "an http(s) URL"),
        ("STORYBOT_SLACK_API_URL", "http://[::1", "an http(s) URL"),
        ("STORYBOT_DISCORD_API_URL", "ftp://proxy.internal/api/v10", "an http(s) URL"),
        ("STORYBOT_DISCORD_GATEWAY_URL", "https://gateway.internal/", "a ws(s) URL"),
    ],
)
def test_a_chat_endpoint_url_that_is_no_url_is_a_config_error(name, value, expected):
    # else `discord sync` ended in an aiohttp traceback and `run` retried it for ever
    with pytest.raises(ConfigError) as err:
        load_settings(env={name: value})
    assert str(err.value) == f'{name} must be {expected} with a host, got "{value}"'


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STORYBOT_DISCORD_API_URL", "http://127.0.0.1:99999/api/"),
        ("STORYBOT_DISCORD_API_URL", "http://127.0.0.1:abc/api/"),
        ("STORYBOT_SLACK_API_URL", "http://127.0.0.1:0/api/"),
        ("STORYBOT_DISCORD_GATEWAY_URL", "ws://127.0.0.1:70000/?v=10&encoding=json"),
    ],
)
def test_a_chat_endpoint_url_with_a_port_that_is_none_is_a_config_error(name, value):
    # a host but no usable port passed the check: `discord sync` ended in aiohttp's
    # InvalidUrlClientError traceback, as with no URL at all
    with pytest.raises(ConfigError) as err:
        load_settings(env={name: value})
    assert str(err.value) == f'{name} must have a port from 1 to 65535, got "{value}"'


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("STORYBOT_SLACK_API_URL", "ftp://bob:s3cret-pw@proxy/api/", '"ftp://bob:***@proxy/api/"'),
        (
            "STORYBOT_DISCORD_API_URL",
            "http://bob:s3cret-pw@proxy:99999/api/",
            '"http://bob:***@proxy:99999/api/"',
        ),
    ],
)
def test_a_chat_endpoint_url_refused_does_not_repeat_its_password(name, value, shown):
    # a proxy URL may carry credentials: the error line (stderr, the journal) hides them
    with pytest.raises(ConfigError) as err:
        load_settings(env={name: value})
    assert str(err.value).endswith(f"got {shown}") and "s3cret-pw" not in str(err.value)


def test_chat_endpoint_urls_of_the_right_kind_are_kept():
    env = {
        "STORYBOT_SLACK_API_URL": "http://127.0.0.1:8080/api/",
        "STORYBOT_DISCORD_API_URL": "https://proxy.internal/api/v10",
        "STORYBOT_DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/?v=10&encoding=json",
    }
    s = load_settings(env=env)
    assert s.slack.api_url == env["STORYBOT_SLACK_API_URL"]
    assert s.discord.api_url == env["STORYBOT_DISCORD_API_URL"]
    assert s.discord.gateway_url == env["STORYBOT_DISCORD_GATEWAY_URL"]


def test_a_directory_given_as_the_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="config path is a directory, not a file: "):
        load_settings(tmp_path, env={})


def test_embeddings_are_off_by_default_and_switched_by_file_or_environment(tmp_path):
    assert not load_settings(env={}).embeddings.enabled
    on = write(tmp_path, "[embeddings]\nenabled = true\nbatch_size = 8\n")
    s = load_settings(on, env={})
    assert s.embeddings.enabled and s.embeddings.batch_size == 8
    assert not load_settings(on, env={"STORYBOT_EMBEDDINGS": "0"}).embeddings.enabled
    s = load_settings(env={"STORYBOT_EMBEDDINGS": "true"})
    assert s.embeddings.enabled and s.embeddings.batch_size == 32
    with pytest.raises(ConfigError, match="STORYBOT_EMBEDDINGS must be one of"):
        load_settings(env={"STORYBOT_EMBEDDINGS": "maybe"})


@pytest.mark.parametrize(
    "text, fragment",
    [
        (
            "[polling]\ntimeout_s = 0\n",
            "[polling] timeout_s must be a number greater than 0, got 0",
        ),
        (
            "[delivery]\nmax_attempts = 0\n",
            "[delivery] max_attempts must be a whole number of at least 1, got 0",
        ),
        (
            "[delivery]\ndefault_max_per_hour = 0\n",
            "[delivery] default_max_per_hour must be a whole number of at least 1, got 0",
        ),
        (
            "[polling]\nmax_body_bytes = 1.5\n",
            "[polling] max_body_bytes must be a whole number of at least 1, got 1.5",
        ),
        (
            "[polling]\nconcurrency = 0\n",
            "[polling] concurrency must be a whole number of at least 1",
        ),
    ],
)
def test_settings_that_make_no_sense_are_refused_with_their_range(tmp_path, text, fragment):
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, text), env={})
    assert fragment in str(info.value)


def _float_settings() -> list[tuple[str, str]]:
    """Every (section, setting) of the config file whose value is a number with a fraction."""
    import dataclasses

    from bot import settings

    sections = {
        "polling": settings.PollingSettings,
        "delivery": settings.DeliverySettings,
        "slack": settings.SlackSettings,
        "discord": settings.DiscordSettings,
        "embeddings": settings.EmbeddingSettings,
        "pages": settings.PageSettings,
        "summarizer": settings.SummarizerSettings,
    }
    return [
        (name, f.name)
        for name, cls in sections.items()
        for f in dataclasses.fields(cls)
        if isinstance(f.default, float)
    ]


def test_the_float_settings_are_all_found():
    # the audit's list: were one renamed or moved, the test below would skip it silently
    assert set(_float_settings()) >= {
        ("polling", "tick_seconds"),
        ("polling", "timeout_s"),
        ("delivery", "tick_seconds"),
        ("delivery", "default_digest_hours"),
        ("pages", "timeout_s"),
        ("pages", "retry_delay_s"),
        ("pages", "wait_s"),
        ("summarizer", "timeout_s"),
    }


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "+inf"])
@pytest.mark.parametrize(("section", "key"), _float_settings())
def test_every_float_setting_refuses_nan_and_infinity_naming_the_file_and_setting(
    tmp_path, section, key, value
):
    # TOML has nan and inf; nan compares False with every bound and inf overflows a
    # timedelta: a scheduler that never starts, a timeout that never ends
    path = write(tmp_path, f"[{section}]\n{key} = {value}\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    shown = repr(float(value))
    assert str(err.value) == f"{path}: [{section}] {key} must be a finite number, got {shown}"


def test_an_infinite_tick_stops_storybot_run_with_a_config_error_and_exit_2(cli_with):
    # exit 1 with a traceback is what the systemd unit restarts on: exit 2, a config error
    status, err, path = cli_with("[polling]\ntick_seconds = inf\n", "run")
    assert status == 2
    assert f"storybot: error: {path}: [polling] tick_seconds must be a finite number" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("hours", "kept"),
    [
        ("0.01", False),
        ("0.2", False),
        ("0.25", True),
        ("24", True),
        ("168", True),
        ("168.5", False),
        ("10000", False),
        ("0", False),
        ("-1", False),
    ],
)
def test_the_default_digest_hours_are_held_to_the_range_follow_takes(tmp_path, hours, kept):
    # /story follow NAME digest HOURS takes 0.25 to 168; a plain "follow NAME digest" gets
    # the default: every 36 seconds, or never, were it not held to the same range
    path = write(tmp_path, f"[delivery]\ndefault_digest_hours = {hours}\n")
    if kept:
        assert load_settings(path, env={}).delivery.default_digest_hours == float(hours)
        return
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert str(err.value) == (
        f"{path}: [delivery] default_digest_hours must be a number between 0.25 and 168 "
        f"(the hours /story follow NAME digest HOURS takes), got {hours}"
    )


def test_fractional_seconds_are_still_accepted(tmp_path):
    s = load_settings(
        write(tmp_path, "[polling]\ntimeout_s = 2.5\n[delivery]\ntick_seconds = 0.5\n"), env={}
    )
    assert s.polling.timeout_s == 2.5 and s.delivery.tick_seconds == 0.5


def test_an_unknown_slack_mode_in_the_environment_is_refused():
    with pytest.raises(
        ConfigError, match='STORYBOT_SLACK_MODE must be "socket" or "http", got "bogus"'
    ):
        load_settings(env={"STORYBOT_SLACK_MODE": "bogus"})


@pytest.mark.parametrize(("typed", "mode"), [("Socket", "socket"), ("HTTP", "http")])
def test_a_slack_mode_in_another_case_is_that_mode(tmp_path, typed, mode):
    # STORYBOT_EMBEDDINGS=True was taken and STORYBOT_SLACK_MODE=Socket refused
    assert load_settings(env={"STORYBOT_SLACK_MODE": typed}).slack.mode == mode
    path = write(tmp_path, f"[slack]\nmode = '{typed}'\n")
    assert load_settings(path, env={}).slack.mode == mode
    # the variable still wins over the file, in whatever case each is written
    assert load_settings(path, env={"STORYBOT_SLACK_MODE": "SOCKET"}).slack.mode == "socket"


@pytest.mark.parametrize(
    ("typed", "kind"), [("Extractive", "extractive"), ("EXTRACTIVE", "extractive")]
)
def test_a_summarizer_kind_in_another_case_is_that_kind(tmp_path, typed, kind):
    # "Extractive" was refused while STORYBOT_SLACK_MODE=Socket was taken
    assert load_settings(env={"STORYBOT_SUMMARIZER": typed}).summarizer.kind == kind
    path = write(tmp_path, f"[summarizer]\nkind = '{typed}'\n")
    assert load_settings(path, env={}).summarizer.kind == kind


@pytest.mark.parametrize(("typed", "value"), [("Everyone", "everyone"), ("ADMINS", "admins")])
def test_admin_commands_in_another_case_is_that_value(tmp_path, typed, value):
    path = write(tmp_path, f"[permissions]\nadmin_commands = '{typed}'\n")
    assert load_settings(path, env={}).admin_commands == value


def test_a_summarizer_kind_refused_is_quoted_as_typed(tmp_path):
    with pytest.raises(ConfigError, match='STORYBOT_SUMMARIZER="Gpt": the summarizer kind must'):
        load_settings(env={"STORYBOT_SUMMARIZER": "Gpt"})


@pytest.mark.parametrize(
    ("setting", "token", "kind"),
    [
        ("[slack]\nmode", "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx", "a Slack token"),
        ("[slack]\nmode", "xapp-1-A0123456789-1234567890123-abcdef0123456789", "a Slack token"),
        (
            "[delivery]\ntimezone",
            "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789ab",
            "a Discord bot token",
        ),
        ("[summarizer]\nmodel", "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "an API key"),
    ],
)
def test_a_token_pasted_under_any_setting_is_refused_without_repeating_it(
    tmp_path, setting, token, kind
):
    # a token is refused by its key (bot_token = ...), but one pasted as another setting's
    # value was echoed back in that setting's error, into terminals and logs
    path = write(tmp_path, f"{setting} = '{token}'\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    message = str(err.value)
    assert token not in message and token[:12] not in message
    assert f"looks like {kind}" in message and "environment" in message


def test_words_that_merely_start_like_a_token_are_not_refused(tmp_path):
    path = write(tmp_path, "[summarizer]\nmodel = 'sk-small'\n[slack]\nmode = 'socket'\n")
    assert load_settings(path, env={}).summarizer.model == "sk-small"


def test_a_slack_mode_refused_in_the_config_file_is_quoted_as_typed(tmp_path):
    path = write(tmp_path, "[slack]\nmode = 'Sockets'\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert str(err.value) == f'{path}: [slack] mode must be "socket" or "http", got "Sockets"'


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        # as typed: not in the lower case it is compared in
        (
            "STORYBOT_EMBEDDINGS",
            "Maybe",
            'STORYBOT_EMBEDDINGS must be one of 0, 1, false, no, off, on, true, yes, got "Maybe"',
        ),
        (
            "STORYBOT_SLACK_MODE",
            'sock"et',
            'STORYBOT_SLACK_MODE must be "socket" or "http", got "sock\\"et"',
        ),
        ("STORYBOT_SUMMARIZER", "gpt", 'STORYBOT_SUMMARIZER="gpt": the summarizer kind must be'),
        (
            "STORYBOT_DATABASE_URL",
            "sqlite://x.db",
            'STORYBOT_DATABASE_URL ("sqlite://x.db") is not a valid SQLite URL',
        ),
    ],
)
def test_an_environment_variable_refused_is_quoted_as_the_config_file_errors_quote(
    name, value, shown
):
    """An environment variable holds a string: it is shown in double quotes with TOML's
    escapes, as a config file's string is (and as a shell or env file writes it), not in
    Python's single quotes ('maybe')."""
    from storage.engine import parse_url

    with pytest.raises(ConfigError) as err:
        settings = load_settings(env={name: value})
        parse_url(settings.database_url, settings.database_source)
    assert str(err.value).startswith(shown), str(err.value)
    assert "'" not in str(err.value), str(err.value)


def test_an_empty_environment_variable_is_as_if_it_were_not_set(tmp_path):
    # `STORYBOT_SLACK_MODE=` in an EnvironmentFile, or compose's ${VAR} of an unset VAR:
    # as for STORYBOT_DATABASE_URL, STORYBOT_EMBEDDINGS and the tokens, empty means unset,
    # not a configuration error, nor a blank that overrides the config file
    s = load_settings(env={"STORYBOT_SLACK_MODE": "", "STORYBOT_SUMMARIZER": " "})
    assert s.slack.mode == "socket" and s.summarizer.kind == "extractive"
    path = write(
        tmp_path,
        "[slack]\nmode = 'http'\n"
        "[summarizer]\nkind = 'openai'\nurl = 'https://llm.example/v1'\nmodel = 'm'\n",
    )
    s = load_settings(
        path,
        env={
            "STORYBOT_SLACK_MODE": "",
            "STORYBOT_SUMMARIZER": "",
            "STORYBOT_SUMMARIZER_URL": "",
            "STORYBOT_SUMMARIZER_MODEL": "",
        },
    )
    assert s.slack.mode == "http"
    assert (s.summarizer.kind, s.summarizer.url, s.summarizer.model) == (
        "openai",
        "https://llm.example/v1",
        "m",
    )


def test_secrets_and_the_database_url_in_the_environment_are_read_without_surrounding_blanks(
    tmp_path,
):
    # an EnvironmentFile or env-file line "SLACK_BOT_TOKEN=xoxb-1 " keeps its blank: the
    # token was sent with it and refused as invalid_auth, a blank database URL was taken
    # as set and failed to open, and a blank key was sent as the summarizer's key
    path = write(tmp_path, "[database]\nurl = 'sqlite:///from-file.db'\n")
    s = load_settings(
        path,
        env={
            "STORYBOT_DATABASE_URL": "   ",
            "SLACK_BOT_TOKEN": " xoxb-1 ",
            "SLACK_APP_TOKEN": "xapp-1\t",
            "SLACK_SIGNING_SECRET": "  ",
            "DISCORD_BOT_TOKEN": "d.t.k \n",
            "STORYBOT_SUMMARIZER_API_KEY": " ",
        },
    )
    assert s.database_url == "sqlite:///from-file.db"
    assert (s.slack.bot_token, s.slack.app_token, s.slack.signing_secret) == (
        "xoxb-1",
        "xapp-1",
        None,
    )
    assert s.discord.token == "d.t.k"
    assert s.summarizer.api_key is None
    s = load_settings(env={"STORYBOT_DATABASE_URL": " sqlite:///env.db "})
    assert (s.database_url, s.database_source) == ("sqlite:///env.db", "STORYBOT_DATABASE_URL")


def test_the_chat_endpoint_variables_are_read_like_every_other_variable():
    # README: a variable set to blanks only is as if it were not set, and blanks around a
    # value are not part of it. The endpoint variables refused "  " as "not an http(s)
    # URL" (exit 2) and kept a trailing blank in the URL the chat client was given.
    blank = {
        "STORYBOT_SLACK_API_URL": "  ",
        "STORYBOT_DISCORD_API_URL": " \t",
        "STORYBOT_DISCORD_GATEWAY_URL": " ",
    }
    s = load_settings(env=blank)
    assert (s.slack.api_url, s.discord.api_url, s.discord.gateway_url) == (None, None, None)
    padded = {
        "STORYBOT_SLACK_API_URL": " http://127.0.0.1:9/api/ ",
        "STORYBOT_DISCORD_API_URL": "http://127.0.0.1:9/d/\t",
        "STORYBOT_DISCORD_GATEWAY_URL": " ws://127.0.0.1:9/gw",
    }
    s = load_settings(env=padded)
    assert (s.slack.api_url, s.discord.api_url, s.discord.gateway_url) == (
        "http://127.0.0.1:9/api/",
        "http://127.0.0.1:9/d/",
        "ws://127.0.0.1:9/gw",
    )


def test_summarizer_errors_name_the_variable_that_chose_the_kind(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_settings(env={"STORYBOT_SUMMARIZER": "openai"})
    assert str(info.value).startswith('STORYBOT_SUMMARIZER="openai" needs url and model')
    assert "defaults.toml" not in str(info.value)
    path = write(tmp_path, "[summarizer]\nkind = 'openai'\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert str(info.value).startswith(f'{path}: [summarizer] kind = "openai" needs url and model')


def test_the_database_url_keeps_where_it_came_from(tmp_path):
    assert load_settings(env={}).database_source == "the default database URL"
    path = write(tmp_path, "[database]\nurl = 'sqlite:///x.db'\n")
    assert load_settings(path, env={}).database_source == f"{path}: [database] url"
    env = {"STORYBOT_DATABASE_URL": "sqlite:///y.db"}
    assert load_settings(path, env=env).database_source == "STORYBOT_DATABASE_URL"


@pytest.mark.parametrize(
    "text, fragment",
    [
        (
            "[database]\nuri = 'sqlite:////tmp/x.db'\n",
            "unknown setting(s) in [database]: uri (known: max_overflow, pool_size, url)",
        ),
        (
            "[permissions]\nadmins = 'everyone'\n",
            "unknown setting(s) in [permissions]: admins (known: admin_commands, "
            "check_owners_hours, max_subscriptions)",
        ),
        (
            "[network]\nallow_hosts = ['127.0.0.1']\n",
            "unknown setting(s) in [network]: allow_hosts (known: allowed_hosts)",
        ),
        (
            "[feeds]\nurl = ['https://example.com/feed.xml']\n",
            "unknown setting(s) in [feeds]: url (known: urls)",
        ),
        (
            "[[stories]]\nname = 's'\nseed = ['a.txt']\n",
            "unknown setting(s) in [[stories]] entry 1: seed (known: name, seeds, title)",
        ),
        ("database = 'sqlite:///x.db'\n", "[database] must be a table"),
        ("[database]\nurl = 5\n", "[database] url must be a string, got 5"),
        ("[permissions]\nadmin_commands = 1\n", "[permissions] admin_commands must be a string"),
        ("network = ['127.0.0.1']\n", "[network] must be a table"),
        (
            "[stories]\nname = 's'\nseeds = ['a.txt']\n",
            "stories must be an array of tables: begin each story with [[stories]]",
        ),
    ],
)
def test_every_section_refuses_unknown_settings(tmp_path, text, fragment):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert str(err.value).startswith(f"{path}: ")
    assert fragment in str(err.value)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("[slack]\napi_url = 'http://127.0.0.1:9/'\n", "[slack] api_url: STORYBOT_SLACK_API_URL"),
        (
            "[discord]\napi_url = 'http://127.0.0.1:9/'\n",
            "[discord] api_url: STORYBOT_DISCORD_API_URL",
        ),
        (
            "[discord]\ngateway_url = 'ws://127.0.0.1:9/'\n",
            "[discord] gateway_url: STORYBOT_DISCORD_GATEWAY_URL",
        ),
        ("[slack]\nbot_token = ''\n", "[slack] bot_token: SLACK_BOT_TOKEN"),
        ("[summarizer]\napi_key = ''\n", "[summarizer] api_key: STORYBOT_SUMMARIZER_API_KEY"),
        # a token actually written there (the usual case) names its variable too, not a
        # list of every secret variable
        ("[slack]\nbot_token = 'xoxb-123'\n", "[slack] bot_token: SLACK_BOT_TOKEN"),
        ("[slack]\nsigning_secret = 'abc'\n", "[slack] signing_secret: SLACK_SIGNING_SECRET"),
        ("[discord]\ntoken = 'd-1'\n", "[discord] token: DISCORD_BOT_TOKEN"),
        ("[summarizer]\napi_key = 'sk-1'\n", "[summarizer] api_key: STORYBOT_SUMMARIZER_API_KEY"),
    ],
)
def test_a_setting_the_environment_gives_is_refused_in_the_config_file_naming_its_variable(
    tmp_path, text, fragment
):
    # [slack] api_url was taken and then ignored: Slack was called at slack.com all the same
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert str(err.value).startswith(f"{path}: ")
    assert "only from the environment" in str(err.value) and fragment in str(err.value)


def test_the_settings_an_unknown_key_is_told_of_are_those_a_config_file_may_set(tmp_path):
    # not the tokens: putting one in the file is refused as a secret
    path = write(tmp_path, "[slack]\nmod = 'http'\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert "unknown setting(s) in [slack]: mod (known: http_path, http_port, mode)" in str(
        err.value
    )


def test_a_misspelt_engine_setting_says_which_it_probably_is(tmp_path):
    path = write(tmp_path, "[engine]\non_topic_treshold = 0.2\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert "unknown [engine] setting(s): on_topic_treshold (did you mean on_topic_threshold?)" in (
        str(err.value)
    )


def test_a_misspelt_database_url_is_refused_not_replaced_by_the_default(tmp_path):
    path = write(tmp_path, '[database]\nuri = "sqlite:////tmp/x.db"\n')
    with pytest.raises(ConfigError, match=r"unknown setting\(s\) in \[database\]: uri"):
        load_settings(path, env={"STORYBOT_DATABASE_URL": "sqlite:///y.db"})


@pytest.mark.parametrize(
    "text, fragment",
    [
        (
            "[network]\nallowed_hosts = '127.0.0.1'\n",
            "[network] allowed_hosts must be a list of strings, "
            'e.g. allowed_hosts = ["127.0.0.1"], got "127.0.0.1"',
        ),
        (
            "[network]\nallowed_hosts = ['127.0.0.1', 8]\n",
            "[network] allowed_hosts must be a list of strings, "
            'e.g. allowed_hosts = ["127.0.0.1"], got 8 in the list',
        ),
        (
            "[feeds]\nurls = 'https://example.com/f'\n",
            "[feeds] urls must be a list of URLs, "
            'e.g. urls = ["https://example.com/feed.xml"], got "https://example.com/f"',
        ),
        ("[feeds]\nurls = [3]\n", "[feeds] urls must be a list of URLs, e.g. urls = ["),
        ("feeds = 'https://example.com/f'\n", "[feeds] urls must be a list of URLs"),
        (
            "[[stories]]\nname = 's'\nseeds = 'seeds/a.txt'\n",
            "[[stories]] entry 1 seeds must be a list of file paths or URLs, "
            'e.g. seeds = ["seeds/article.txt"], got "seeds/a.txt"',
        ),
        (
            "[[stories]]\nname = 's'\nseeds = ['seeds/a.txt']\n[[stories]]\nname = 't'\nseeds = [1]\n",
            "[[stories]] entry 2 seeds must be a list of file paths or URLs",
        ),
        ("[[stories]]\nname = 's'\nseeds = []\n", "[[stories]] entry 1 needs a name and a list"),
    ],
)
def test_list_settings_refuse_a_string_instead_of_a_list(tmp_path, text, fragment):
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text), env={})
    assert fragment in str(err.value)
    assert "is a directory" not in str(err.value)


@pytest.mark.parametrize(
    "text, says",
    [
        (
            "[[stories]]\nname = 's'\nseeds = ['a.txt']\n[[stories]]\nname = 't'\nseeds = ['b']\n"
            "[[stories]]\nname = 's'\nseeds = ['c.txt']\n",
            '[[stories]] entries 1 and 3 are both named "s": give each story a name of its own',
        ),
        (
            "[[stories]]\nname = 'pentagon'\nseeds = ['a.txt']\n"
            "[[stories]]\nname = 'Pentagon'\nseeds = ['b.txt']\n",
            '[[stories]] entries 1 and 2 are named "pentagon" and "Pentagon", one name to '
            "storybot (names are matched ignoring case): give each story a name of its own",
        ),
    ],
)
def test_two_declared_stories_of_one_name_are_refused(tmp_path, text, says):
    # a [[stories]] block copied and given other seeds, its name left as it was: the second
    # story was never created (the first has the name), and nothing said so
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text), env={})
    assert says in str(err.value)


def test_valid_database_permissions_network_feeds_and_stories_still_load(tmp_path):
    (tmp_path / "seeds").mkdir()
    text = (
        "[database]\nurl = 'sqlite:///x.db'\n"
        "[permissions]\nadmin_commands = 'everyone'\n"
        "[network]\nallowed_hosts = ['127.0.0.1', 'Feeds.Internal']\n"
        "[feeds]\nurls = ['https://example.com/feed.xml']\n"
        "[[stories]]\nname = 'pentagon'\ntitle = 'T'\n"
        "seeds = ['seeds/a.txt', 'https://example.com/a']\n"
    )
    s = load_settings(write(tmp_path, text), env={"STORYBOT_ALLOWED_HOSTS": "10.0.0.1"})
    assert s.database_url == "sqlite:///x.db" and s.admin_commands == "everyone"
    assert s.allowed_hosts == {"127.0.0.1", "feeds.internal", "10.0.0.1"}
    assert s.feeds == ("https://example.com/feed.xml",)
    (story,) = s.stories
    assert (story.name, story.title) == ("pentagon", "T")
    assert story.seeds == (str(tmp_path / "seeds" / "a.txt"), "https://example.com/a")
    # feeds given as a list outside any table are still read as [feeds] urls
    s = load_settings(write(tmp_path, "feeds = ['https://example.com/feed.xml']\n"), env={})
    assert s.feeds == ("https://example.com/feed.xml",)


def test_the_example_config_loads():
    from config import DEFAULTS_FILE

    s = load_settings(DEFAULTS_FILE.parent / "example.toml", env={})
    assert s.stories and s.stories[0].name == "anthropic-pentagon"
    assert s.feeds == () and s.allowed_hosts == frozenset()


def test_the_example_configs_stories_can_be_created_from_its_seeds():
    """Loading is not all `storybot --config config/example.toml run` needs: its
    [[stories]] name and title pass the rules and every seed path (relative to config/)
    reads as a seed, as the command that creates the story reads it. A seed of the demo
    renamed or moved would otherwise stop it at start with "seed file not found"."""
    from adapters.declared import declared_seed, declared_title
    from config import DEFAULTS_FILE

    s = load_settings(DEFAULTS_FILE.parent / "example.toml", env={})
    for decl in s.stories:
        assert declared_title(s, decl) == decl.title
        assert len(decl.seeds) == 5  # "the demo uses all five", as its comment says
        for seed in decl.seeds:
            assert declared_seed(s, decl.name, seed).text.strip(), seed


@pytest.mark.parametrize(
    "value, stored",
    [
        ("1234", "1234"),
        ("123456789012345678", "123456789012345678"),
        ("'123456789012345678'", "123456789012345678"),
        ("''", ""),
        ("' 42 '", "42"),
    ],
)
def test_discord_dev_guild_id_may_be_a_number_or_a_string_of_digits(tmp_path, value, stored):
    path = write(tmp_path, f"[discord]\ndev_guild_id = {value}\n")
    assert load_settings(path, env={}).discord.dev_guild_id == stored


@pytest.mark.parametrize(
    ("value", "got"),
    [
        ("'abc'", '"abc"'),
        ("'12a'", '"12a"'),
        ("'-5'", '"-5"'),
        ("0", "0"),
        ("-5", "-5"),
        ("1.5", "1.5"),
        ("true", "true"),  # as the file has it, not Python's True
        ("'²'", '"²"'),
    ],
)
def test_a_discord_dev_guild_id_that_is_not_digits_is_refused_at_load(tmp_path, value, got):
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, f"[discord]\ndev_guild_id = {value}\n"), env={})
    assert "[discord] dev_guild_id must be a server ID, digits only (e.g. " in str(err.value)
    assert str(err.value).endswith(f", got {got}")


@pytest.mark.parametrize(
    "value, stored",
    [
        ("[]", ()),
        ("[1234]", ("1234",)),
        (
            "[123456789012345678, '234567890123456789']",
            ("123456789012345678", "234567890123456789"),
        ),
        ("[' 42 ', 42]", ("42",)),  # the same server twice is one
    ],
)
def test_discord_admin_servers_are_numbers_or_strings_of_digits(tmp_path, value, stored):
    path = write(tmp_path, f"[discord]\nadmin_servers = {value}\n")
    assert load_settings(path, env={}).discord.admin_servers == stored


def test_discord_admin_servers_default_to_none():
    assert load_settings(env={}).discord.admin_servers == ()


@pytest.mark.parametrize(
    ("value", "got"),
    [
        ("'123456789012345678'", '"123456789012345678"'),  # one ID, not a list of them
        ("123456789012345678", "123456789012345678"),
        ("['abc']", '"abc" in the list'),
        ("[42, '12a']", '"12a" in the list'),
        ("['']", '"" in the list'),  # [] says none
        ("[0]", "0 in the list"),
        ("[-5]", "-5 in the list"),
        ("[1.5]", "1.5 in the list"),
        ("[true]", "true in the list"),
        ("['1_2']", '"1_2" in the list'),
        (f"['{'9' * 21}']", f'"{"9" * 21}" in the list'),  # more than a 64-bit snowflake
    ],
)
def test_a_discord_admin_servers_that_is_not_a_list_of_ids_is_refused_at_load(tmp_path, value, got):
    path = write(tmp_path, f"[discord]\nadmin_servers = {value}\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert str(err.value).startswith(
        f"{path}: [discord] admin_servers must be a list of server IDs, digits only (e.g. "
        "admin_servers = [123456789012345678, "
    )
    assert str(err.value).endswith(f", got {got}")


def test_a_bad_discord_admin_servers_stops_run_with_exit_2(tmp_path, capsys):
    from adapters.cli import main

    path = write(tmp_path, "[discord]\nadmin_servers = ['My Server']\n")
    assert main(["--config", str(path), "run"]) == 2
    err = capsys.readouterr().err
    assert f"storybot: error: {path}: [discord] admin_servers must be a list of server IDs" in err
    assert "Traceback" not in err


def test_a_bad_discord_dev_guild_id_stops_discord_sync_with_exit_2(tmp_path, capsys):
    from adapters.cli import main

    path = write(tmp_path, "[discord]\ndev_guild_id = 'abc'\n")
    assert main(["--config", str(path), "discord", "sync"]) == 2
    err = capsys.readouterr().err
    assert f"storybot: error: {path}: [discord] dev_guild_id must be a server ID" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("default", ["", "default_interval_s = 100000\n"])
def test_a_minimum_poll_interval_over_a_day_is_named_itself(tmp_path, default):
    # it was reported as default_interval_s "from min_interval_s (100000) to 86400": a
    # range no value is in, naming a setting the operator did not get wrong
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, f"[polling]\nmin_interval_s = 100000\n{default}"), env={})
    assert str(err.value).endswith(
        "[polling] min_interval_s must be at most 86400 seconds (a day: every feed is "
        "polled at least daily), got 100000"
    )


@pytest.mark.parametrize(
    ("polling", "got"),
    [
        ("min_interval_s = 1000\ndefault_interval_s = 300", 300),
        ("default_interval_s = 90000", 90000),
    ],
)
def test_a_default_poll_interval_the_poller_would_not_obey_is_refused(tmp_path, polling, got):
    # the poller keeps every interval from min_interval_s to a day: a new feed would be
    # stored with this interval and polled at another
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, f"[polling]\n{polling}\n"), env={})
    assert "[polling] default_interval_s must be from min_interval_s (" in str(err.value)
    assert str(err.value).endswith(f"to 86400 seconds, got {got}")


@pytest.mark.parametrize(
    ("polling", "says"),
    [
        # only min_interval_s set: 900 is no value of the file's, and the message says so
        (
            "min_interval_s = 1000",
            "must be from min_interval_s (1000) to 86400 seconds, got 900 (the default)",
        ),
        (
            "default_interval_s = 100",
            "must be from min_interval_s (300, the default) to 86400 seconds, got 100",
        ),
        (
            "min_interval_s = 1000\ndefault_interval_s = 300",
            "must be from min_interval_s (1000) to 86400 seconds, got 300",
        ),
    ],
)
def test_a_poll_interval_refused_against_a_default_says_which_value_is_the_default(
    tmp_path, polling, says
):
    path = write(tmp_path, f"[polling]\n{polling}\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert str(err.value) == f"{path}: [polling] default_interval_s {says}"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        # a bool as the file spells it, not Python's True/False
        (
            "[polling]\ntimeout_s = true\n",
            "[polling] timeout_s must be a number greater than 0, got true",
        ),
        ("[database]\nurl = false\n", "[database] url must be a string, got false"),
        ("[engine]\ncopy_index_cap = true\n", "[engine] copy_index_cap must be a number, got true"),
        # a string in TOML's double quotes, with TOML's escapes
        (
            '[polling]\ntimeout_s = "20"\n',
            '[polling] timeout_s must be a number greater than 0, got "20"',
        ),
        (
            "[embeddings]\nenabled = 'yes'\n",
            '[embeddings] enabled must be true or false, got "yes"',
        ),
        (
            "[engine]\nurl_slug_terms = 'no'\n",
            '[engine] url_slug_terms must be true or false, got "no"',
        ),
        ('[slack]\nhttp_path = "/a\\tb"\n', 'got "/a\\tb"'),
        # an integer as written: [engine] keeps a float setting as a float, and said "5.0"
        (
            "[engine]\non_topic_threshold = 5\n",
            "[engine] on_topic_threshold must be between 0 and 1, got 5",
        ),
        ("[engine]\nidf_power = -1\n", "[engine] idf_power must not be negative, got -1"),
        ("[engine]\nidf_power = -1.0\n", "[engine] idf_power must not be negative, got -1.0"),
        (
            "[pages]\nretries = 11.0\n",
            "[pages] retries must be a whole number from 0 to 10, got 11.0",
        ),
        # a date, an array and a table, briefly, not datetime.date(...) or a Python dict
        ("[polling]\ntimeout_s = 1979-05-27\n", "got 1979-05-27"),
        ("[polling]\ntimeout_s = [1, 'a']\n", 'got [1, "a"]'),
        ("[polling]\ntimeout_s = {a = 1}\n", "got { a = 1 }"),
        (
            "[[stories]]\nname = ['a']\nseeds = ['a.txt']\n",
            '[[stories]] entry 1 name must be a string, got ["a"]',
        ),
        (
            "[network]\nallowed_hosts = ['a', false]\n",
            "[network] allowed_hosts must be a list of strings, "
            'e.g. allowed_hosts = ["127.0.0.1"], got false in the list',
        ),
    ],
)
def test_a_refused_value_is_shown_as_the_config_file_writes_it(tmp_path, text, says):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert str(err.value).endswith(says)
    assert "True" not in str(err.value) and "False" not in str(err.value)


def test_a_long_refused_value_is_cut_short_in_its_toml_spelling(tmp_path):
    path = write(tmp_path, f"[slack]\nmode = '{'x' * 200}'\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert str(err.value).endswith(f'must be "socket" or "http", got "{"x" * 58}…')


# --------------------------------------------------------------------------- the SSRF allow list

_KINDS = "it must be an IP address (127.0.0.1, ::1), a network (CIDR: 10.0.0.0/8) or a host name"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "127.0.0.1:33433",
            '"127.0.0.1:33433" has a port; ports are not part of an allowed host (it allows '
            'all of the host\'s ports): write "127.0.0.1"',
        ),
        ("localhost:8080", '"localhost:8080" has a port; ports are not part of an allowed host'),
        ("[::1]:8080", '"[::1]:8080" has a port; ports are not part of an allowed host'),
        ("not a host", f'"not a host" is not a host name; {_KINDS}'),
        (":::", f'":::" is not a host name; {_KINDS}'),
        ("999.1.1.1", f'"999.1.1.1" is not an IP address; {_KINDS}'),
        ("-feeds.internal", '"-feeds.internal" is not a host name (a part of a name cannot'),
        ("10.0.0.0/33", '"10.0.0.0/33" is not a network (an address, "/" and a prefix length'),
        (
            "http://feeds.internal/rss",
            '"http://feeds.internal/rss" is a URL, not a host: write its host only, '
            '"feeds.internal"',
        ),
        ("*.internal", '"*.internal": wildcards are not supported'),
        # as written, not in the lower case the list keeps
        ("Feeds.Internal:8080", '"Feeds.Internal:8080" has a port; ports are not part of'),
    ],
)
def test_a_bad_allowed_host_is_a_config_error_naming_the_variable_or_key_and_the_entry(
    tmp_path, entry, message
):
    # taken as a host name, "127.0.0.1:33433" matched no URL and allowed nothing, silently
    with pytest.raises(ConfigError) as err:
        load_settings(env={"STORYBOT_ALLOWED_HOSTS": f"127.0.0.1,{entry}"})
    assert str(err.value).startswith(f"STORYBOT_ALLOWED_HOSTS: {message}")
    path = write(tmp_path, f"[network]\nallowed_hosts = ['127.0.0.1', {entry!r}]\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert str(err.value).startswith(f"{path}: [network] allowed_hosts: {message}")


def test_allowed_hosts_take_addresses_networks_and_names_and_skip_empty_entries():
    s = load_settings(
        env={
            "STORYBOT_ALLOWED_HOSTS": (
                "127.0.0.1,, ::1 ,[fd00::1],10.0.0.0/8,fe80::/10,Feeds.Internal,"
                "例え.jp,xn--bcher-kva.example,docker_service,feeds.internal.,"
            )
        }
    )
    assert s.allowed_hosts == {
        "127.0.0.1",
        "::1",
        "[fd00::1]",
        "10.0.0.0/8",
        "fe80::/10",
        "feeds.internal",
        "例え.jp",
        "xn--bcher-kva.example",
        "docker_service",
        "feeds.internal.",
    }


def test_an_allowed_host_with_a_port_stops_the_command_with_exit_2(tmp_path, monkeypatch, capsys):
    from adapters.cli import main

    monkeypatch.setenv("STORYBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("STORYBOT_ALLOWED_HOSTS", "127.0.0.1:33433")
    assert main(["feeds", "list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        'storybot: error: STORYBOT_ALLOWED_HOSTS: "127.0.0.1:33433" has a port; ports are '
        "not part of an allowed host"
    )
    assert "Traceback" not in err


def test_a_declared_feed_in_both_spellings_of_its_idn_host_is_one_feed(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        "[feeds]\nurls = ['https://例え.jp/rss', 'https://XN--R8JZ45G.jp/rss']\n", encoding="utf-8"
    )
    assert load_settings(path, env={}).feeds == ("https://xn--r8jz45g.jp/rss",)


def test_a_mistyped_storybot_variable_is_named_with_the_one_meant():
    from bot.settings_env import unknown_variables

    env = {
        "STORYBOT_DATABSE_URL": "sqlite:///x.db",  # typo
        "STORYBOT_DATABASE_URL": "sqlite:///y.db",
        "STORYBOT_SKIP_POSTGRES": "1",  # the test suite's own
        "STORYBOT_WHATEVER": "1",
        "SLACK_BOT_TOKEN": "xoxb-1",  # not ours to judge
        "PATH": "/bin",
    }
    assert unknown_variables(env) == [
        ("STORYBOT_DATABSE_URL", "STORYBOT_DATABASE_URL"),
        ("STORYBOT_WHATEVER", None),
    ]


def test_every_variable_the_readme_documents_is_known():
    # the README's table is what users copy from: none of its names may be warned about
    import re
    from pathlib import Path

    from bot.settings_env import unknown_variables

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    readme = re.sub(r"storybot: warning: STORYBOT_\w+", "", readme)  # its example of a typo
    names = set(re.findall(r"\bSTORYBOT_[A-Z0-9_]*[A-Z0-9]\b", readme))
    assert len(names) >= 10
    assert unknown_variables({n: "x" for n in names}) == []


def test_pages_retries_takes_every_count_up_to_ten(tmp_path):
    for n in (0, 10):
        assert (
            load_settings(write(tmp_path, f"[pages]\nretries = {n}\n"), env={}).pages.retries == n
        )


def test_delivery_timezone_defaults_to_utc_and_takes_an_iana_name(tmp_path):
    assert load_settings(env={}).delivery.timezone == "UTC"
    s = load_settings(write(tmp_path, '[delivery]\ntimezone = "Europe/Berlin"\n'), env={})
    assert s.delivery.timezone == "Europe/Berlin"
    assert s.delivery.zone.utcoffset(datetime(2026, 7, 1)) == timedelta(hours=2)  # summer


@pytest.mark.parametrize(
    "value", ['"Europe/Berlln"', '""', '"../../etc/passwd"', '"/etc/localtime"', '" UTC"', "1"]
)
def test_an_unknown_delivery_timezone_is_a_config_error_naming_the_setting(tmp_path, value):
    path = write(tmp_path, f"[delivery]\ntimezone = {value}\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert str(err.value).startswith(f"{path}: [delivery] timezone must be")


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("europe/berlin", "Europe/Berlin"),
        ("EUROPE/BERLIN", "Europe/Berlin"),
        ("utc", "UTC"),
        ("america/new_york", "America/New_York"),
        ("us/pacific", "US/Pacific"),
        ("America/Argentina/buenos_aires", "America/Argentina/Buenos_Aires"),
    ],
)
def test_delivery_timezone_in_any_letter_case_is_read_as_its_iana_name(tmp_path, value, canonical):
    s = load_settings(write(tmp_path, f'[delivery]\ntimezone = "{value}"\n'), env={})
    assert s.delivery.timezone == canonical
    assert s.delivery.zone == ZoneInfo(canonical)


@pytest.mark.parametrize(
    ("value", "meant"),
    [
        ("Europe/Berlln", '"Europe/Berlin"'),
        ("europa/berlin", '"Europe/Berlin"'),
        ("Berlin", '"Europe/Berlin"'),  # the city without its region
        ("berln", '"Europe/Berlin"'),
        ("America/New York", '"America/New_York"'),
        ("asia/calcuta", '"Asia/Calcutta"'),
        ("Pacific", '"Canada/Pacific" or "US/Pacific"'),
    ],
)
def test_an_unknown_delivery_timezone_names_the_closest_known_ones(tmp_path, value, meant):
    path = write(tmp_path, f'[delivery]\ntimezone = "{value}"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert str(err.value) == (
        f"{path}: [delivery] timezone must be an IANA time zone name such as "
        f'"Europe/Berlin" or "UTC", got "{value}" (did you mean {meant}?)'
    )


def test_an_unknown_delivery_timezone_far_from_every_name_suggests_none(tmp_path):
    path = write(tmp_path, '[delivery]\ntimezone = "Mars/Olympus"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert str(err.value).endswith('got "Mars/Olympus"')


def test_a_timezone_in_lower_case_is_accepted_by_the_cli(tmp_path, cli_with):
    seed = tmp_path / "seed.txt"
    seed.write_text("Chip export rules tighten\n", encoding="utf-8")
    zone = '[delivery]\ntimezone = "europe/berlin"\n'
    status, err, _ = cli_with(zone, "story", "add", "chips", "--seed", str(seed))
    assert status == 0 and "timezone" not in err
    status, err, _ = cli_with(zone, "story", "list")
    assert status == 0 and "timezone" not in err


def test_a_misspelt_timezone_stops_storybot_run_with_exit_2_naming_the_closest(cli_with):
    status, err, path = cli_with('[delivery]\ntimezone = "europe/berlln"\n', "run")
    assert status == 2
    assert (
        f"storybot: error: {path}: [delivery] timezone must be an IANA time zone name such as "
        '"Europe/Berlin" or "UTC", got "europe/berlln" (did you mean "Europe/Berlin"?)'
    ) in err
    assert "Traceback" not in err


def test_an_unknown_timezone_stops_storybot_run_with_exit_2(cli_with):
    status, err, path = cli_with('[delivery]\ntimezone = "Mars/Olympus"\n', "run")
    assert status == 2
    assert (
        f"storybot: error: {path}: [delivery] timezone must be an IANA time zone name such as "
        '"Europe/Berlin" or "UTC", got "Mars/Olympus"' in err
    )
    assert "Traceback" not in err


def test_a_timezone_spelled_as_the_database_does_is_read_without_scanning_the_database(
    tmp_path,
):
    # the scan of every zone name costs tens of milliseconds at every command's start
    from bot.zone_names import zone_names

    zone_names.cache_clear()
    path = write(tmp_path, '[delivery]\ntimezone = "Europe/Berlin"\n')
    assert load_settings(path, env={}).delivery.timezone == "Europe/Berlin"
    assert zone_names.cache_info().misses == 0
    assert load_settings(write(tmp_path, '[delivery]\ntimezone = "europe/berlin"\n'), env={})
    assert zone_names.cache_info().misses == 1
