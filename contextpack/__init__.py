"""contextpack: task-aware context packing for AI coding agents.

    from contextpack.engine import Engine
    engine = Engine("path/to/repo")
    engine.index()
    print(engine.symbols("QuerySet.bulk_create"))
"""

__version__ = "0.1.0"
