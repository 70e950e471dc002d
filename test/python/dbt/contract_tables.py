"""Iceberg tables shaped like the ones the local pipeline writes, built from the data contracts.

The schema comes from src/contracts/datasets/<name>.json (field ids from x-field-id, types from x-type), plus the
derived date columns and the lineage columns, so the tests exercise the same contract the pipeline follows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.schema import Schema
from pyiceberg.table import Table
from pyiceberg.types import (
    BooleanType,
    DateType,
    DecimalType,
    DoubleType,
    IcebergType,
    IntegerType,
    ListType,
    LongType,
    NestedField,
    StringType,
    StructType,
    TimestamptzType,
)

REPO = Path(__file__).resolve().parents[3]
CONTRACTS = REPO / 'src' / 'contracts' / 'datasets'
LINEAGE = [
    NestedField(10001, '_ingested_at', TimestamptzType(), required=True),
    NestedField(10002, '_source', StringType(), required=True),
]


def _primitive(spec: dict[str, Any]) -> IcebergType:
    x_type = spec.get('x-type')
    if x_type == 'timestamp':
        return TimestamptzType()
    if x_type == 'date':
        return DateType()
    if x_type == 'int':
        return IntegerType()
    if x_type == 'long':
        return LongType()
    if x_type and x_type.startswith('decimal('):
        precision, scale = (int(p) for p in x_type[len('decimal(') : -1].split(','))
        return DecimalType(precision, scale)
    if x_type is not None:
        raise ValueError(f'unknown x-type {x_type!r}')
    kinds = {t for t in ([spec['type']] if isinstance(spec['type'], str) else spec['type']) if t != 'null'}
    if kinds == {'string'}:
        return StringType()
    if kinds == {'boolean'}:
        return BooleanType()
    if kinds == {'number'}:
        return DoubleType()
    if kinds == {'integer'}:
        return LongType()
    raise ValueError(f'cannot map JSON types {sorted(kinds)} without x-type')


def _field_type(spec: dict[str, Any]) -> IcebergType:
    kinds = spec['type'] if isinstance(spec['type'], list) else [spec['type']]
    if 'object' in kinds:
        return StructType(*_fields(spec))
    if 'array' in kinds:
        item = spec['items']
        return ListType(item['x-field-id'], _field_type(item), element_required=True)
    return _primitive(spec)


def _fields(spec: dict[str, Any]) -> list[NestedField]:
    required = set(spec.get('required', []))
    fields = []
    for name, prop in spec['properties'].items():
        nullable = isinstance(prop['type'], list) and 'null' in prop['type']
        fields.append(NestedField(prop['x-field-id'], name, _field_type(prop), required=name in required and not nullable))
    return fields


def contract(name: str) -> dict[str, Any]:
    return json.loads((CONTRACTS / f'{name}.json').read_text())


def table_schema(name: str) -> Schema:
    """Contract fields, then derived columns, then lineage: the processed table's schema."""
    spec = contract(name)
    fields = _fields(spec)
    for transform in spec['x-lakehouse'].get('transforms', []):
        if transform['op'] == 'derive':
            if transform['fn'] != 'date':
                raise ValueError(f"unsupported derive fn {transform['fn']!r}")
            fields.append(NestedField(transform['fieldId'], transform['field'], DateType(), required=False))
    return Schema(*fields, *LINEAGE)


def catalog(warehouse: Path) -> SqlCatalog:
    """The local catalog as the pipeline lays it out: <warehouse>/catalog.db, file:// warehouse root."""
    warehouse.mkdir(parents=True, exist_ok=True)
    return SqlCatalog('lakehouse', uri=f'sqlite:///{warehouse}/catalog.db', warehouse=f'file://{warehouse}')


def create_tables(
    cat: SqlCatalog, names: tuple[str, ...] = ('events', 'users', 'orders')
) -> dict[str, Table]:
    cat.create_namespace_if_not_exists('processed')
    tables = {}
    for name in names:
        # Unpartitioned: partitioning changes file layout, not what a reader sees, and pyiceberg's partitioned
        # writes need the extra pyiceberg-core package.
        tables[name] = cat.create_table(f'processed.{name}', schema=table_schema(name), properties={'format-version': '2'})
    return tables


def append(table: Table, rows: list[dict[str, Any]]) -> None:
    """Append rows (one Iceberg snapshot), converted through the table's own Arrow schema."""
    table.append(pa.Table.from_pylist(rows, schema=table.schema().as_arrow()))
