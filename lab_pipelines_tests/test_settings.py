"""Every setting is one field of one model: its variable, default and range, read in one place."""

import re
from pathlib import Path

import dagster as dg
import pytest

from lab_pipelines import costs, placement
from lab_pipelines.defs.resources import (
    InboxResource,
    LocalModelsResource,
    TelemetryResource,
    TextWriterResource,
    build_resources,
)
from lab_pipelines.settings import (
    ENV_VARS,
    Settings,
    SettingsError,
    current_settings,
    load_settings,
    project_root,
)

README = project_root() / "README.md"


@pytest.fixture
def clean_env(monkeypatch):  # noqa: ANN001, ANN201
    """No setting in the environment: every field takes its documented default."""
    for name in ENV_VARS.values():
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def readme_table() -> dict[str, str]:
    """The README's configuration table: variable → default, as written."""
    section = README.read_text(encoding="utf-8").split("\n## Configuration\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"`[A-Z0-9_]+`", cells[0]):
            rows[cells[0].strip("`")] = cells[1]
    return rows


def documented(value: object) -> str:
    """A default as the README writes it: paths from the project root, empty as —."""
    if isinstance(value, Path):
        value = value.relative_to(project_root())
    text = str(value)
    return f"`{text}`" if text else "—"


def test_the_readme_table_lists_every_setting_with_its_default_and_nothing_else():
    table = readme_table()
    model = {field.validation_alias: field.default for field in Settings.model_fields.values()}

    assert sorted(table) == sorted(model)
    for name, value in model.items():
        assert table[name] == documented(value), name


def test_unset_and_empty_variables_take_the_documented_defaults(clean_env):
    clean_env.setenv("LAB_NUM_CTX", "")
    clean_env.setenv("OLLAMA_HOST", "   ")

    settings = load_settings()

    assert settings == Settings.model_construct()  # every field its default
    assert settings.inbox == project_root() / "samples" / "inbox"
    assert settings.lancedb_dir == project_root() / ".lab_data" / "lancedb"
    assert settings.num_ctx == 8192 and settings.ollama_host == "http://127.0.0.1:11434"
    assert settings.is_offline and settings.profile == "local"


def test_values_are_read_by_their_exact_names_trimmed_and_typed(clean_env, tmp_path):
    clean_env.chdir(tmp_path)
    clean_env.setenv("LAB_DATA", "data")
    clean_env.setenv("LAB_PROMPT_TOKENS", " 4000 ")
    clean_env.setenv("LAB_EVAL_SAMPLE", "3")
    clean_env.setenv("LAB_BACKEND", "LIVE")
    clean_env.setenv("LAB_EVAL_JUDGE_USD", "0.5")
    clean_env.setenv("lab_num_ctx", "2048")  # not the variable's name: ignored

    settings = load_settings()

    assert settings.data == tmp_path / "data"  # relative: from the current folder, resolved once
    assert settings.outputs_dir == tmp_path / "data" / "outputs"
    assert settings.prompt_token_budget == 4000 and settings.eval_sample_docs == 3
    assert settings.backend == "live" and not settings.is_offline
    assert settings.eval_judge_usd == 0.5
    assert settings.num_ctx == 8192


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LAB_NUM_CTX": "lots"}, "LAB_NUM_CTX='lots' should be a valid integer"),
        ({"LAB_NUM_CTX": "512"}, "LAB_NUM_CTX='512' should be greater than or equal to 1024"),
        ({"LAB_DIGEST_HOUR": "24"}, "LAB_DIGEST_HOUR='24' should be less than or equal to 23"),
        ({"LAB_EVAL_JUDGE_USD": "-1"}, "LAB_EVAL_JUDGE_USD='-1' should be greater than or equal"),
        ({"LAB_BACKEND": "cloud"}, "LAB_BACKEND='cloud': use 'offline' for the embedded"),
        ({"LAB_PROFILE": "kubernetes"}, "LAB_PROFILE='kubernetes': use 'local' or 'cluster'"),
        ({"LAB_TIMEZONE": "Seoul"}, "LAB_TIMEZONE='Seoul': use an IANA timezone name"),
        ({"LAB_COMPUTE_NODE_LABEL": "compute"}, "LAB_COMPUTE_NODE_LABEL='compute': a node label"),
        (
            {"LAB_CHUNK_CHARS": "400", "LAB_CHUNK_OVERLAP_CHARS": "200"},
            "LAB_CHUNK_OVERLAP_CHARS must be less than half of LAB_CHUNK_CHARS: lower the overlap",
        ),
    ],
)
def test_an_unusable_value_stops_with_the_variable_and_the_fix(clean_env, env, message):
    for name, value in env.items():
        clean_env.setenv(name, value)

    with pytest.raises(SettingsError) as raised:
        load_settings()

    assert str(raised.value).startswith(message)
    assert isinstance(raised.value, ValueError)


def test_a_range_error_suggests_the_default(clean_env):
    clean_env.setenv("LAB_SETTLE_S", "-5")
    clean_env.setenv("LAB_OLLAMA_PARALLEL", "0")

    with pytest.raises(SettingsError) as raised:
        load_settings()

    # Every unusable variable at once, each with a value that works.
    assert "LAB_SETTLE_S='-5'" in str(raised.value) and "set it to e.g. 10" in str(raised.value)
    assert "LAB_OLLAMA_PARALLEL='0'" in str(raised.value) and "e.g. 2" in str(raised.value)


def test_the_current_settings_are_validated_once_and_follow_a_changed_variable(clean_env):
    clean_env.setenv("LAB_NUM_CTX", "4096")
    first = current_settings()
    assert current_settings() is first and first.num_ctx == 4096  # the same, not re-read

    clean_env.setenv("LAB_NUM_CTX", "2048")
    assert current_settings().num_ctx == 2048

    clean_env.setenv("LAB_NUM_CTX", "10")
    with pytest.raises(SettingsError, match="LAB_NUM_CTX='10'"):
        current_settings()


def test_the_gemini_key_is_a_secret_of_the_settings(clean_env):
    clean_env.setenv("GEMINI_API_KEY", "AIza-settings-test-key")

    settings = load_settings()

    assert settings.gemini_api_key.get_secret_value() == "AIza-settings-test-key"
    assert "AIza-settings-test-key" not in repr(settings) + str(settings)


def test_resources_take_their_defaults_and_variables_from_the_settings():
    defaults = Settings.model_construct()
    models, writer = LocalModelsResource(), TextWriterResource()
    telemetry = TelemetryResource()
    inbox = InboxResource(inbox_dir="in", requests_dir="req")

    assert (models.num_ctx, models.timeout_s, models.retries) == (8192, 300, 5)
    assert models.as_settings() == defaults
    assert writer.as_settings() == defaults and telemetry.as_settings() == defaults
    assert inbox.chunk_chars == defaults.chunk_chars and inbox.settle_s == defaults.settle_s
    field = LocalModelsResource.model_fields["timeout_s"]
    assert "LAB_OLLAMA_TIMEOUT_S" in str(field.description)  # what the UI shows beside it


def test_build_resources_passes_what_the_environment_set_as_env_vars(clean_env, tmp_path):
    clean_env.chdir(tmp_path)
    clean_env.setenv("LAB_NUM_CTX", "4096")
    clean_env.setenv("LAB_INBOX", "inbox")  # relative: resolved here, passed as the absolute path
    clean_env.setenv("LAB_BACKEND", "live")
    clean_env.setenv("GEMINI_API_KEY", "AIza-settings-test-key")
    settings = load_settings()

    resources = build_resources(settings)
    plain = build_resources(settings, as_env_vars=False)

    models = resources["local_models"]
    assert models.num_ctx == dg.EnvVar.int("LAB_NUM_CTX")
    assert models.backend == dg.EnvVar("LAB_BACKEND")
    assert models.summary_model == "exaone3.5:7.8b"  # unset: the default itself
    assert resources["inbox"].inbox_dir == str(tmp_path / "inbox")
    assert resources["text_writer"].gemini_api_key == dg.EnvVar("GEMINI_API_KEY")
    assert plain["local_models"].num_ctx == 4096
    assert plain["text_writer"].gemini_api_key == "AIza-settings-test-key"
    assert plain["local_models"].as_settings().num_ctx == 4096


def test_the_resources_resolve_the_environment_in_a_run(clean_env):
    clean_env.setenv("LAB_NUM_CTX", "4096")
    seen = {}

    @dg.asset
    def probe(local_models: LocalModelsResource) -> None:
        seen["num_ctx"] = local_models.num_ctx

    result = dg.materialize([probe], resources=build_resources(load_settings()))

    assert result.success and seen == {"num_ctx": 4096}
    assert result.dagster_run.run_config == {}  # nothing of the environment in run config


def test_placement_and_prices_are_settings_too(clean_env, tmp_path):
    prices = tmp_path / "prices.toml"
    prices.write_text(
        'read_on = "2026-01-02"\n[models."m"]\ninput_per_million = 1.0\noutput_per_million = 2.0\n',
        encoding="utf-8",
    )
    clean_env.setenv("LAB_PRICES_FILE", str(prices))
    clean_env.setenv("LAB_PROFILE", "Cluster")

    assert costs.prices_file() == prices and costs.price_book().read_on == "2026-01-02"
    assert placement.profile() == placement.CLUSTER
    defaults = Settings.model_construct()
    assert defaults.max_concurrent_steps == placement.MAX_CONCURRENT_STEPS
    assert placement.INFERENCE_NODE.node_label == defaults.inference_node_label
    assert placement.COMPUTE_NODE.resources()["limits"] == {
        "cpu": defaults.compute_step_cpu_limit,
        "memory": defaults.compute_step_memory_limit,
    }
    clean_env.delenv("LAB_PRICES_FILE")
    assert costs.prices_file() == costs.DEFAULT_PRICES


def test_nothing_outside_settings_reads_the_environment():
    """Besides DAGSTER_HOME (the command line's and the daemon's instance folder)."""
    readers = []
    for path in (project_root() / "lab_pipelines").rglob("*.py"):
        if path.name == "settings.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"os\.environ|os\.getenv", line) and "DAGSTER_HOME" not in line:
                readers.append(f"{path.relative_to(project_root())}:{number}: {line.strip()}")
    allowed = {"lab_pipelines/defs/resources.py", "lab_pipelines/daemon.py"}
    assert [r for r in readers if r.split(":")[0] not in allowed] == []
