"""Independent read-back of tables written by the TypeScript Iceberg writer. One interpreter per test file:
reads a JSON spec (argv[1]) and prints one JSON report.

  scans:   pyiceberg SqlCatalog → table.scan(snapshot_id, row_filter).to_arrow(); rows in a plain form
           (decimals as strings, timestamps as epoch micros strings, dates as epoch days, NaN and infinities
           as "NaN"/"Infinity"/"-Infinity"), plus the number of files the scan planned (pruning) and the Arrow
           schema's field ids.
  inspect: table.inspect.snapshots() and .files() as pyiceberg reports them.
  avro:    every manifest and manifest list under the given metadata dirs read by fastavro: header keys and every
           record field / array element lacking an Iceberg field id.
  duckdb:  SQL through DuckDB's iceberg_scan on a metadata file.
"""
import datetime
import decimal
import glob
import json
import math
import os
import sys

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def plain(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        delta = value - EPOCH
        return str((delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds)
    if isinstance(value, datetime.date):
        return (value - datetime.date(1970, 1, 1)).days
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        # JSON has no NaN or Infinity: name them ("NaN", "Infinity", "-Infinity", as JavaScript's String does).
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, int) and abs(value) > 2**53:
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def field_ids(schema):
    out = {}

    def visit(field, prefix):
        meta = field.metadata or {}
        out[prefix + field.name] = int(meta.get(b"PARQUET:field_id", b"-1"))
        t = field.type
        if hasattr(t, "value_field"):
            visit(t.value_field, prefix + field.name + ".")
        elif hasattr(t, "num_fields") and t.num_fields and not hasattr(t, "value_type"):
            for i in range(t.num_fields):
                visit(t.field(i), prefix + field.name + ".")

    for f in schema:
        visit(f, "")
    return out


def missing_ids(schema, path="", out=None):
    """Every record field and array element in an Avro schema without a field id."""
    out = [] if out is None else out
    if isinstance(schema, list):
        for branch in schema:
            missing_ids(branch, path, out)
    elif isinstance(schema, dict):
        if schema.get("type") == "record":
            for f in schema["fields"]:
                if "field-id" not in f:
                    out.append(f"{path}.{f['name']}")
                missing_ids(f["type"], f"{path}.{f['name']}", out)
        elif schema.get("type") == "array":
            items = schema["items"]
            is_map = schema.get("logicalType") == "map"
            if not is_map and "element-id" not in schema:
                out.append(f"{path}[]")
            missing_ids(items, f"{path}[]", out)
    return out


def main():
    spec = json.loads(sys.argv[1])
    report = {"scans": [], "inspect": {}, "avro": [], "duckdb": []}
    if spec.get("scans") or spec.get("inspect"):
        if spec.get("glue"):
            from pyiceberg.catalog.glue import GlueCatalog

            g = spec["glue"]
            catalog = GlueCatalog("glue", **{
                "glue.endpoint": g["endpoint"], "glue.region": "us-east-1",
                "glue.access-key-id": "testing", "glue.secret-access-key": "testing",
                "s3.endpoint": g["endpoint"], "s3.region": "us-east-1",
                "s3.access-key-id": "testing", "s3.secret-access-key": "testing",
            })
        else:
            from pyiceberg.catalog.sql import SqlCatalog

            catalog = SqlCatalog(spec.get("catalog_name", "lakehouse"), uri=f"sqlite:///{spec['database']}", warehouse=spec["warehouse"])
        report["tables"] = sorted(".".join(t) for ns in catalog.list_namespaces() for t in catalog.list_tables(ns))
        for scan in spec.get("scans", []):
            table = catalog.load_table(scan["table"])
            kwargs = {}
            if scan.get("snapshot_id"):
                kwargs["snapshot_id"] = int(scan["snapshot_id"])
            if scan.get("row_filter"):
                kwargs["row_filter"] = scan["row_filter"]
            s = table.scan(**kwargs)
            planned = len(list(s.plan_files()))
            arrow = s.to_arrow()
            entry = {"table": scan["table"], "snapshot_id": scan.get("snapshot_id"), "planned_files": planned, "num_rows": arrow.num_rows}
            if not scan.get("count_only"):
                entry["rows"] = [plain(r) for r in arrow.to_pylist()]
            report["scans"].append(entry)
        for name in spec.get("inspect", []):
            table = catalog.load_table(name)
            snaps = table.inspect.snapshots().to_pylist()
            files = table.inspect.files().to_pylist()
            report["inspect"][name] = {
                "current_snapshot_id": str(table.current_snapshot().snapshot_id) if table.current_snapshot() else None,
                "snapshots": [
                    {"snapshot_id": str(s["snapshot_id"]), "parent_id": None if s["parent_id"] is None else str(s["parent_id"]),
                     "operation": s["operation"], "summary": dict(s["summary"]), "manifest_list": s["manifest_list"]}
                    for s in snaps
                ],
                "files": [{"file_path": f["file_path"], "record_count": f["record_count"], "file_size_in_bytes": f["file_size_in_bytes"],
                           "partition": plain(f["partition"]), "content": f["content"]} for f in files],
                "schema_fields": [f.name for f in table.schema().fields],
                "field_ids": {name: table.schema().find_field(name).field_id for name in spec.get("field_ids", {}).get(name, [])},
            }
    if spec.get("avro_dirs"):
        import fastavro

        for directory in spec["avro_dirs"]:
            for path in sorted(glob.glob(os.path.join(directory, "*.avro"))):
                with open(path, "rb") as fh:
                    reader = fastavro.reader(fh)
                    records = list(reader)
                    report["avro"].append({
                        "path": path,
                        "keys": sorted(reader.metadata.keys()),
                        "missing_field_ids": missing_ids(reader.writer_schema),
                        "records": len(records),
                        "kind": "list" if "manifest_path" in json.dumps(reader.writer_schema) else "manifest",
                        "manifest_lengths": {r["manifest_path"]: r["manifest_length"] for r in records} if "manifest_path" in json.dumps(reader.writer_schema) else {},
                    })
    if spec.get("duckdb"):
        import duckdb

        con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
        for package, name in (("duckdb_extension_avro", "avro"), ("duckdb_extension_iceberg", "iceberg")):
            module = __import__(package)
            con.load_extension(glob.glob(os.path.join(os.path.dirname(module.__file__), "extensions", "*", f"{name}.duckdb_extension"))[0])
        for q in spec["duckdb"]:
            sql = q["sql"].replace("{metadata}", q["metadata"].replace("'", "''"))
            report["duckdb"].append([[plain(v) for v in row] for row in con.execute(sql).fetchall()])
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
