"""Ranking by lab_pipelines.store.ranking over a real LanceDB table with its full-text indexes."""

from __future__ import annotations

import lancedb
import pyarrow as pa

from lab_pipelines.store.ranking import DEFAULT_PLAN, SearchPlan, rank_rows, text_index_config
from lab_pipelines.text.bilingual import translate_query
from lab_pipelines.text.index_terms import head_terms, index_terms

PAGES = {
    # A short glossary page that repeats two common words of the question ...
    "glossary/virtual-machine.md": (
        "Virtual machine",
        "A virtual machine is a machine emulated in software. Virtual machines share a host.",
    ),
    # ... and the page that holds every term of it, once each.
    "proxmox/qm-pci-passthrough.md": (
        "PCI passthrough",
        "Proxmox can hand a physical GPU to a virtual machine: passthrough of the PCI device, "
        "with the IOMMU enabled in the host firmware and the vfio modules loaded at boot. "
        + "The device then belongs to the guest alone until it is shut down. "
        * 3,
    ),
    "helm/rollback.md": ("Rollback", "helm rollback returns a release to an earlier revision."),
    "proxmox/firewall.md": ("Firewall", "The Proxmox firewall filters traffic of each guest."),
}


def _table(tmp_path):
    rows = []
    for doc_id, (title, text) in PAGES.items():
        rows.append(
            {
                "row_id": f"{doc_id}#0",
                "doc_id": doc_id,
                "kind": "chunk",
                "text": text,
                "terms": " ".join(index_terms(text)),
                "head": " ".join(head_terms(doc_id, title)),
            }
        )
    table = lancedb.connect(tmp_path).create_table("rows", pa.Table.from_pylist(rows))
    for column in ("terms", "head"):
        table.create_index(column, config=text_index_config(), name=f"{column}_idx")
    return table


def _ranked(table, question: str, plan: SearchPlan) -> list[str]:
    hits = rank_rows(table, question, None, plan, index_terms, k=4, translate=translate_query)
    return [h["doc_id"] for h in hits]


def test_the_page_holding_all_the_questions_terms_outranks_one_repeating_two(tmp_path):
    table = _table(tmp_path)
    question = "Pass a physical GPU through to a Proxmox virtual machine"
    plain = SearchPlan(**{**DEFAULT_PLAN.__dict__, "vector": 0.0, "coord": 0.0})
    assert _ranked(table, question, plain)[0] == "glossary/virtual-machine.md"
    shipped = SearchPlan(**{**DEFAULT_PLAN.__dict__, "vector": 0.0})
    assert _ranked(table, question, shipped)[0] == "proxmox/qm-pci-passthrough.md"


def test_a_page_is_found_by_its_path_words_and_a_korean_question_by_its_translation(tmp_path):
    table = _table(tmp_path)
    plan = SearchPlan(**{**DEFAULT_PLAN.__dict__, "vector": 0.0})
    # "qm" is in no text, only in the page's path.
    assert _ranked(table, "qm", plan) == ["proxmox/qm-pci-passthrough.md"]
    assert _ranked(table, "헬름 릴리스를 롤백하려면?", plan)[0] == "helm/rollback.md"
