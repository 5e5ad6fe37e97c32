"""The model backends: Ollama and Gemini through their official clients, and offline stand-ins.

Nothing here knows of Dagster; the resources in ``defs/resources.py`` pick and build them.
"""
