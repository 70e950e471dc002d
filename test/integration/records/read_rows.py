"""Reads every Parquet file given with pyarrow and prints their rows as JSON, in file order: decimals as text,
timestamps as ISO strings (µs), dates as ISO dates. Used to compare the fast and the general engines' output."""
import json
import sys

import pyarrow.parquet as pq


def plain(value):
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


paths = json.loads(sys.argv[1])
rows = []
field_ids = []
for path in paths:
    f = pq.ParquetFile(path)
    field_ids.append([f.schema.column(i).path for i in range(f.metadata.num_columns)])
    for row in f.read().to_pylist():
        rows.append(plain(row))
print(json.dumps({"rows": rows, "columns": field_ids}))
