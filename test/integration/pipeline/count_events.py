"""Counts processed.events through pyiceberg: rows, distinct event ids, and how many expected ids are missing."""
import json
import sys

from pyiceberg.catalog.sql import SqlCatalog

spec = json.loads(sys.argv[1])
home = spec["warehouse"]
catalog = SqlCatalog("lakehouse", uri=f"sqlite:///{home}/catalog.db", warehouse=f"file://{home}")
ids = catalog.load_table("processed.events").scan(selected_fields=("event_id",)).to_arrow()["event_id"].to_pylist()
print(json.dumps({"rows": len(ids), "distinct": len(set(ids)), "missing": len(set(json.load(open(spec["ids"]))) - set(ids))}))
