"""Reads Parquet files with two independent readers (pyarrow and DuckDB) and prints what they see as JSON:
the schema with field ids, per-column compression and statistics, and every value (decimals as strings,
timestamps as epoch microseconds, dates as epoch days), so the TypeScript test can compare exactly."""
import datetime
import decimal
import json
import sys

import duckdb
import pyarrow.parquet as pq

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def plain(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        delta = value - EPOCH
        return {"micros": str((delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds)}
    if isinstance(value, datetime.date):
        return {"days": (value - datetime.date(1970, 1, 1)).days}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def fields(schema):
    out = []
    for field in schema:
        meta = field.metadata or {}
        out.append({"name": field.name, "field_id": int(meta.get(b"PARQUET:field_id", b"-1")), "type": str(field.type),
                    "nullable": field.nullable, "children": fields(field.type) if hasattr(field.type, "__iter__") and not isinstance(field.type, str) else nested(field.type)})
    return out


def nested(arrow_type):
    import pyarrow as pa
    if pa.types.is_struct(arrow_type):
        return fields(arrow_type)
    if pa.types.is_list(arrow_type):
        return fields([arrow_type.value_field])
    return []


def main():
    spec = json.loads(sys.argv[1])
    result = {}
    for path in spec["files"]:
        parquet = pq.ParquetFile(path)
        metadata = parquet.metadata
        columns = []
        for group in range(metadata.num_row_groups):
            row_group = metadata.row_group(group)
            for i in range(row_group.num_columns):
                column = row_group.column(i)
                stats = column.statistics
                columns.append({
                    "row_group": group,
                    "path": column.path_in_schema,
                    "compression": column.compression,
                    "has_min_max": bool(stats and stats.has_min_max),
                    "null_count": stats.null_count if stats else None,
                    "min": plain(stats.min) if stats and stats.has_min_max else None,
                    "max": plain(stats.max) if stats and stats.has_min_max else None,
                })
        table = parquet.read()
        duck_rows = duckdb.sql(f"select * from read_parquet('{path}')").fetchall()
        duck_names = [c[0] for c in duckdb.sql(f"describe select * from read_parquet('{path}')").fetchall()]
        result[path] = {
            "schema": [{"name": f.name, "field_id": int((f.metadata or {}).get(b"PARQUET:field_id", b"-1")),
                        "type": str(f.type), "nullable": f.nullable, "children": nested(f.type)} for f in table.schema],
            "created_by": metadata.created_by,
            "num_rows": metadata.num_rows,
            "columns": columns,
            "rows": [plain(r) for r in table.to_pylist()],
            "duckdb_rows": [plain(dict(zip(duck_names, r))) for r in duck_rows],
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
