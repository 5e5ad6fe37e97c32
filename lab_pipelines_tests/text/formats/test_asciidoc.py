"""AsciiDoc through parse_document."""

from lab_pipelines.text.parsing import parse_document


def parse(source: str):
    return parse_document("manual.adoc", source.encode())


def test_titles_attributes_and_substitutions():
    doc = parse(
        "= Home Lab Manual\n:toc:\n:product: LabOS\n\n{product} runs on two nodes.\n\n"
        "== Storage\n\nDisks are mirrored.\n\n=== Backups\n\nNightly at {undefined-attr}.\n"
    )
    assert doc.title == "Home Lab Manual"
    assert doc.text == (
        "# Home Lab Manual\n\nLabOS runs on two nodes.\n\n## Storage\n\nDisks are mirrored.\n\n"
        "### Backups\n\nNightly at {undefined-attr}."
    )


def test_two_line_titles():
    doc = parse("Cluster Setup\n=============\n\nJoin Nodes\n----------\n\nRun the join command.\n")
    assert doc.text == "# Cluster Setup\n\n## Join Nodes\n\nRun the join command."


def test_blocks_keep_content_and_lose_delimiters_and_attributes():
    doc = parse(
        "[[install]]\n== Install\n\n"
        "[source,bash]\n----\napt install labos\n# comment in code\n----\n\n"
        "....\nliteral  text\n....\n\n[NOTE]\n====\nReboot afterwards.\n====\n\n"
        "include::generated/options.adoc[]\n\nimage::screenshot.png[Login screen]\n\n"
        "////\nA comment block.\n////\n// a comment line\n"
        "NOTE: Prefixes such as this stay.\n\n .indented literal paragraph\n"
    )
    assert doc.text == (
        "## Install\n\napt install labos\n    # comment in code\n\nliteral  text\n\n"
        "Reboot afterwards.\n\nNOTE: Prefixes such as this stay.\n\n.indented literal paragraph"
    )


def test_links_and_cross_references_keep_their_text():
    doc = parse(
        "[[net]]\n== Network Setup\n\nSee <<net>> and <<net,the network chapter>>.\n"
        "Read link:https://example.com/guide[the guide] or https://example.com[our site]\n"
        "or xref:storage[Storage] with `pvesm` and *bold* and _emphasis_.\n"
    )
    assert doc.text == (
        "## Network Setup\n\nSee Network Setup and the network chapter.\n"
        "Read the guide or our site\nor Storage with pvesm and bold and emphasis."
    )


def test_conditionals_follow_the_attributes_the_document_defines():
    doc = parse(
        ":web:\n\nifdef::web[]\nShown on the web.\nendif::web[]\n"
        "ifdef::manvolnum[]\nOnly in the man page.\nendif::manvolnum[]\n"
        "ifndef::manvolnum[]\nNot a man page.\nendif::manvolnum[]\n"
    )
    assert doc.text == "Shown on the web.\nNot a man page."


def test_tables_and_lists():
    doc = parse(
        '[width="100%",cols="2*d",options="header"]\n|===\n|Name |Role\n|node1\n|storage\n|===\n\n'
        "* 첫째\n** 둘째\n. 순서\n\nTerm:: definition text\n"
    )
    assert doc.text == (
        "Name | Role\nnode1 | storage\n\n- 첫째\n- 둘째\n- 순서\n\nTerm: definition text"
    )
