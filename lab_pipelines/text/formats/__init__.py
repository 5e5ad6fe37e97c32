"""Per-format converters to "light Markdown"; lab_pipelines.text.parsing dispatches to them."""
