"""Reads the local warehouse with independent tools and prints JSON: every Iceberg table through pyiceberg's
SqlCatalog (row counts, snapshots, a few exact rows), the same tables through DuckDB's iceberg extension, and the
row counts seen by both must agree."""
import json
import sqlite3
import sys

import duckdb
import pyarrow.compute as pc
import duckdb_extension_avro
import duckdb_extension_iceberg
from pyiceberg.catalog.sql import SqlCatalog


def ext(module, name):
    import glob
    import os
    return glob.glob(os.path.join(os.path.dirname(module.__file__), "extensions", "*", f"{name}.duckdb_extension"))[0]


def main():
    spec = json.loads(sys.argv[1])
    home = spec["warehouse"]
    catalog = SqlCatalog("lakehouse", uri=f"sqlite:///{home}/catalog.db", warehouse=f"file://{home}")
    out = {"tables": {}}
    for namespace in ("raw", "processed"):
        for ident in catalog.list_tables(namespace):
            table = catalog.load_table(ident)
            arrow = table.scan().to_arrow()
            name = ".".join(ident)
            entry = {"rows": arrow.num_rows, "snapshots": len(table.inspect.snapshots()),
                     "summaries": [dict(s.summary.additional_properties, operation=s.summary.operation.value) for s in table.snapshots()]}
            for column, value in spec.get("lookup", {}).get(name, {}).items():
                matches = arrow.filter(pc.equal(arrow[column], value)).to_pylist()
                entry["lookup"] = [{k: (str(v) if v is not None and not isinstance(v, (int, str, bool, float, dict, list)) else v) for k, v in row.items()} for row in matches]
            out["tables"][name] = entry
    con = duckdb.connect(config={"allow_unsigned_extensions": "true", "autoinstall_known_extensions": "false"})
    for module, name in ((duckdb_extension_avro, "avro"), (duckdb_extension_iceberg, "iceberg")):
        con.load_extension(ext(module, name))
    db = sqlite3.connect(f"{home}/catalog.db")
    for namespace, name, location in db.execute("select table_namespace, table_name, metadata_location from iceberg_tables"):
        out["tables"][f"{namespace}.{name}"]["duckdb_rows"] = con.execute(f"select count(*) from iceberg_scan('{location}')").fetchone()[0]
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
