"""The main job against the Ollama and Gemini protocol doubles, through the official clients."""

from lab_pipelines.store import Store
from lab_pipelines_tests.doubles.ollama_server import FakeOllama
from lab_pipelines_tests.runs import materialize_lab

EMBED_BATCH = 32


def test_first_run_calls_the_models_and_an_unchanged_rerun_calls_none(lab, fake_gemini):
    # 200 ms a request, so that requests overlap whenever the pipeline sends them in parallel.
    with FakeOllama(base_latency=0.2) as fake_ollama:
        run_twice(lab, fake_ollama, fake_gemini)


def run_twice(lab, fake_ollama, fake_gemini) -> None:  # noqa: ANN001
    lab.use_doubles(fake_ollama.url, fake_gemini.url)
    materialize_lab()

    chats = fake_ollama.calls_to("/api/chat")
    assert len(chats) == 6  # one summary per sample document, each short enough for one call
    assert {c.body["model"] for c in chats} == {"exaone3.5:7.8b"}
    assert {c.body["options"]["num_ctx"] for c in chats} == {8192}
    embeds = fake_ollama.calls_to("/api/embed")
    assert embeds and {c.body["model"] for c in embeds} == {"bge-m3"}
    assert all(len(c.body["input"]) <= EMBED_BATCH for c in embeds)
    assert all(sum(map(len, c.body["input"])) <= 24_000 for c in embeds)
    assert fake_ollama.max_in_flight == 2  # both slots used, never more
    generations = fake_gemini.calls_to(":generateContent")
    assert len(generations) == 2
    assert "<source>" in str(generations[0].body)

    store = Store(lab.settings.lancedb_dir)
    assert store.count("embeddings__bge_m3") == store.count("chunks") + 6
    output = store.output("ko-taint.md")
    assert output["backend"] == "gemini" and output["cited_doc_ids"]

    fake_ollama.reset()
    fake_gemini.reset()
    materialize_lab()
    assert fake_ollama.count("/api/chat") == 0
    assert fake_ollama.count("/api/embed") == 0
    assert len(fake_gemini.calls) == 0


def test_editing_one_paragraph_re_embeds_only_the_changed_chunks(lab, fake_ollama, fake_gemini):
    lab.use_doubles(fake_ollama.url, fake_gemini.url)
    lab.monkeypatch.setenv("LAB_CHUNK_CHARS", "300")
    lab.monkeypatch.setenv("LAB_CHUNK_OVERLAP_CHARS", "0")
    materialize_lab()
    store = Store(lab.settings.lancedb_dir)
    doc = "en/ollama-inference-node.md"
    n_chunks = len(store.chunks([doc]))
    assert n_chunks >= 4

    path = lab.inbox / "en" / "ollama-inference-node.md"
    path.write_text(path.read_text() + "\nA closing paragraph about keep-alive settings.\n")
    fake_ollama.reset()
    materialize_lab()

    chats = fake_ollama.calls_to("/api/chat")
    assert len(chats) == 1  # only the edited document is summarised again
    embedded = [text for call in fake_ollama.calls_to("/api/embed") for text in call.body["input"]]
    # the chunk holding the new paragraph, and the summary if its text changed; the rest reused
    assert 1 <= len(embedded) <= 2, embedded
    assert any("keep-alive" in text for text in embedded)
    assert len(store.chunks([doc])) in (n_chunks, n_chunks + 1)
