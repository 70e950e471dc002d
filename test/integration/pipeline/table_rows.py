"""Prints every row of the given Iceberg tables of a local warehouse (pyiceberg SqlCatalog), as JSON, sorted by a
column, with values pyiceberg returns as Python objects (datetimes, decimals, dates) turned into strings."""
import json
import sys

from pyiceberg.catalog.sql import SqlCatalog


def plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return str(value)


def main():
    spec = json.loads(sys.argv[1])
    home = spec["warehouse"]
    catalog = SqlCatalog("lakehouse", uri=f"sqlite:///{home}/catalog.db", warehouse=f"file://{home}")
    out = {}
    for name, order in spec["tables"].items():
        rows = catalog.load_table(name).scan().to_arrow().to_pylist()
        rows = [{k: plain(v) for k, v in row.items() if k not in spec.get("drop", [])} for row in rows]
        out[name] = sorted(rows, key=lambda r: json.dumps([r.get(c) for c in order], default=str))
    print(json.dumps(out))


main()
