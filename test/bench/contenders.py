"""The peers of `npm run bench`, each run as its own process on the same NDJSON or CSV file (by extension):
  duckdb  — read_json / read_csv → COPY … (FORMAT parquet, COMPRESSION zstd), validating nothing
  pyarrow — pyarrow.json.read_json / pyarrow.csv.read_csv → parquet.write_table(zstd), validating nothing
  python  — the pure-Python loop: json.loads or csv.DictReader + the events contract's checks and transforms, no Parquet
Prints one JSON line: {"records": accepted-or-rows, "quarantined": n, "max_rss": bytes}."""
import csv
import decimal
import json
import re
import resource
import sys
import uuid
from datetime import datetime, timezone


def max_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def is_csv(src):
    return src.lower().endswith(".csv")


def run_duckdb(src, out):
    import duckdb
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    # ignore_errors skips what does not parse (broken JSON lines, CSV rows with the wrong column count).
    reader = (f"read_csv('{src}', header=true, ignore_errors=true)" if is_csv(src)
              else f"read_json('{src}', format='newline_delimited', ignore_errors=true)")
    con.execute(f"COPY (SELECT * FROM {reader}) TO '{out}' (FORMAT parquet, COMPRESSION zstd)")
    rows = con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()[0]
    return {"records": rows, "quarantined": None}


def run_pyarrow(src, out):
    import pyarrow.parquet as pq
    if is_csv(src):
        import pyarrow.csv as pc
        # The CSV reader can skip rows with the wrong column count, so it reads the same file as everyone else.
        table = pc.read_csv(src, parse_options=pc.ParseOptions(invalid_row_handler=lambda _row: "skip"))
    else:
        import pyarrow.json as pj
        # pyarrow's JSON reader stops at the first malformed line: the bench gives it the file without them.
        table = pj.read_json(src, parse_options=pj.ParseOptions(newlines_in_values=False,
                                                                unexpected_field_behavior="infer"))
    pq.write_table(table, out, compression="zstd")
    return {"records": table.num_rows, "quarantined": None}


USER = re.compile(r"^u[0-9]{6}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
TS = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})$")
TYPES = {"page_view", "click", "add_to_cart", "purchase", "signup"}
ALLOWED = {"event_id", "user_id", "event_type", "event_ts", "amount", "country", "session_id", "properties"}


def check(r):
    v = []
    if not isinstance(r, dict):
        return ["type"]
    for k in r:
        if k not in ALLOWED:
            v.append("unknown_field")
    for k in ("event_id", "user_id", "event_type", "event_ts", "country", "session_id"):
        if k not in r:
            v.append("required")
    for k in ("event_id", "user_id", "event_type", "event_ts", "country", "session_id"):
        if k in r and isinstance(r[k], str):
            r[k] = r[k].strip()
    if "country" in r and isinstance(r["country"], str):
        r["country"] = r["country"].upper()
    try:
        uuid.UUID(str(r.get("event_id")))
    except ValueError:
        v.append("format")
    if not (isinstance(r.get("user_id"), str) and USER.match(r["user_id"])):
        v.append("pattern")
    if r.get("event_type") not in TYPES:
        v.append("enum")
    ts = r.get("event_ts")
    if not (isinstance(ts, str) and TS.match(ts)):
        v.append("timestamp")
    else:
        r["event_ts"] = datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(timezone.utc)
        r["event_date"] = r["event_ts"].date()
    amount = r.get("amount")
    if amount is not None:
        try:
            d = decimal.Decimal(str(amount))
            if d.as_tuple().exponent < -2 or not (0 <= d <= 1_000_000):
                v.append("decimal")
            r["amount"] = d
        except decimal.InvalidOperation:
            v.append("decimal")
    if not (isinstance(r.get("country"), str) and COUNTRY.match(r["country"])):
        v.append("pattern")
    s = r.get("session_id")
    if not (isinstance(s, str) and 1 <= len(s) <= 64):
        v.append("session")
    p = r.get("properties")
    if p is not None:
        if not isinstance(p, dict):
            v.append("type")
        else:
            ab = p.get("ab")
            if ab is not None and not (isinstance(ab, int) and 0 <= ab <= 9):
                v.append("range")
    return v


def json_records(src):
    """Each non-blank line as a dict (or whatever it holds), None for a line that is not JSON."""
    with open(src, "rb") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except ValueError:
                yield None


MISSING = object()
EXTRA = object()


def coerce_cell(name, text):
    # As the library does for CSV: an empty cell is null, `properties` is JSON text, the rest stays text for check().
    if text == "":
        return None
    if name == "properties":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def csv_records(src):
    """Each CSV row after the header as a dict of coerced cells, None for a row with the wrong column count."""
    with open(src, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, restkey=EXTRA, restval=MISSING):
            if EXTRA in row or any(v is MISSING for v in row.values()):
                yield None
                continue
            yield {k: coerce_cell(k, v) for k, v in row.items()}


def run_python(src, _out):
    accepted, quarantined, seen = [], 0, {}
    for r in csv_records(src) if is_csv(src) else json_records(src):
        if r is None or check(r):
            quarantined += 1
            continue
        key = r["event_id"]
        if key in seen:
            quarantined += 1
            accepted[seen[key]] = r
        else:
            seen[key] = len(accepted)
            accepted.append(r)
    return {"records": len(accepted), "quarantined": quarantined}


if __name__ == "__main__":
    contender, src, out = sys.argv[1:4]
    result = {"duckdb": run_duckdb, "pyarrow": run_pyarrow, "python": run_python}[contender](src, out)
    result["max_rss"] = max_rss()
    print(json.dumps(result))
