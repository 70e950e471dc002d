"""Reads an output folder the way a reader of it would, without being told which files to read: pyarrow's dataset
discovery (recursive; files that are not Parquet, such as the quarantine, left out) and DuckDB's read_parquet over the folder's *.parquet. Prints the event ids each one sees."""
import json
import sys

import duckdb
import pyarrow.dataset as ds

folder = json.loads(sys.argv[1])
arrow_ids = ds.dataset(folder, format="parquet", exclude_invalid_files=True).to_table(columns=["event_id"]).column("event_id").to_pylist()
duck_ids = [
    row[0] for row in duckdb.sql(f"select event_id from read_parquet('{folder}/*.parquet')").fetchall()
]
print(json.dumps({"pyarrow": sorted(arrow_ids), "duckdb": sorted(duck_ids)}))
