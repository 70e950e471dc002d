"""Counts rows and distinct keys of Iceberg tables in a local warehouse through pyiceberg (SqlCatalog), as JSON:
{"<table>": {"rows": n, "distinct": d}} for the spec's {"tables": {"<table>": "<key column>"}}; a table that does
not exist reads as 0 rows."""
import json
import sys

from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import NoSuchTableError

spec = json.loads(sys.argv[1])
home = spec["warehouse"]
catalog = SqlCatalog("lakehouse", uri=f"sqlite:///{home}/catalog.db", warehouse=f"file://{home}")
out = {}
for name, key in spec["tables"].items():
    try:
        values = catalog.load_table(name).scan(selected_fields=(key,)).to_arrow()[key].to_pylist()
    except NoSuchTableError:
        values = []
    out[name] = {"rows": len(values), "distinct": len(set(values))}
print(json.dumps(out))
