"""Runs one SQL statement in DuckDB over Iceberg tables and prints the result as JSON.

Reads a JSON request on stdin: {"sql", "tables": [{"namespace", "name", "metadata_location"}], "marts"}.
Each table becomes the view <namespace>.<name> over iceberg_scan(<current metadata file>), which resolves
columns by Iceberg field id. The iceberg and avro extensions are loaded by file path from their PyPI packages
(nothing is downloaded). `marts`, when given, is the dbt-built DuckDB file: attached read-only, each of its
relations is exposed as <schema>.<name> (so `marts.fct_orders` works).
Output: {"columns": [...], "types": [...], "rows": [[...]]}; decimals as strings, times as ISO 8601,
integers beyond 2^53 as strings. Errors: one line on stderr, exit status 1.
"""
import datetime
import decimal
import glob
import json
import os
import sys
import uuid


def extension_path(package, name):
    module = __import__(package)
    found = glob.glob(os.path.join(os.path.dirname(module.__file__), "extensions", "*", f"{name}.duckdb_extension"))
    if not found:
        raise RuntimeError(f"the {package} package has no {name}.duckdb_extension")
    return found[0]


def plain(value):
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return value
    if isinstance(value, int):
        return value if abs(value) <= 2**53 else str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    return str(value)


def quote(identifier):
    return '"' + identifier.replace('"', '""') + '"'


def main():
    request = json.load(sys.stdin)
    import duckdb

    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.load_extension(extension_path("duckdb_extension_avro", "avro"))
    con.load_extension(extension_path("duckdb_extension_iceberg", "iceberg"))
    for table in request.get("tables", []):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(table['namespace'])}")
        location = table["metadata_location"].replace("'", "''")
        con.execute(
            f"CREATE VIEW {quote(table['namespace'])}.{quote(table['name'])} AS SELECT * FROM iceberg_scan('{location}')"
        )
    marts = request.get("marts")
    if marts:
        # dbt builds its models in schemas of marts.duckdb (marts.fct_orders, staging.stg_events, …). Each becomes a
        # view under the same schema name here, so `marts.fct_orders` resolves exactly as it reads in dbt.
        con.execute(f"ATTACH '{marts.replace(chr(39), chr(39) * 2)}' AS dbt_marts (READ_ONLY)")
        # Only dbt's tables (marts, snapshots): its views are defined against the file's own catalog name, which
        # cannot be attached under that name here without clashing with the `marts` schema. Iceberg namespaces
        # (raw, processed) keep pointing at the live tables, not at dbt's local copies of its sources.
        relations = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = 'dbt_marts' AND table_type = 'BASE TABLE'"
        ).fetchall()
        iceberg_namespaces = {t["namespace"] for t in request.get("tables", [])}
        for schema, name in relations:
            if schema in iceberg_namespaces:
                continue
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
            con.execute(
                f"CREATE VIEW IF NOT EXISTS {quote(schema)}.{quote(name)} AS SELECT * FROM dbt_marts.{quote(schema)}.{quote(name)}"
            )
    result = con.execute(request["sql"])
    columns = [d[0] for d in result.description] if result.description else []
    types = [str(d[1]) for d in result.description] if result.description else []
    rows = [[plain(v) for v in row] for row in result.fetchall()] if result.description else []
    json.dump({"columns": columns, "types": types, "rows": rows}, sys.stdout)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # one line, as the CLI convention asks
        sys.stderr.write(f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}\n")
        sys.exit(1)
