{#- SQL that DuckDB and Athena (Trino) spell differently. Each macro dispatches on the adapter, so a model
    writes {{ lakehouse.x(...) }} once; add an <adapter>__x implementation to support another engine. -#}

{#- One row per line item: order_id, line_number (1-based) and the item's fields. Trino's UNNEST of an array of
    rows spreads the row's fields into columns; DuckDB unnests to a struct that we then take apart. -#}
{% macro unnest_line_items(orders_relation) -%}
  {{ return(adapter.dispatch('unnest_line_items', 'lakehouse')(orders_relation)) }}
{%- endmacro %}

{% macro default__unnest_line_items(orders_relation) -%}
  select o.order_id, li.line_number, li.sku, li.product_name, li.quantity, li.unit_price
  from {{ orders_relation }} as o
  cross join unnest(o.line_items) with ordinality as li (sku, product_name, quantity, unit_price, line_number)
{%- endmacro %}

{% macro duckdb__unnest_line_items(orders_relation) -%}
  select order_id, line_number, item.sku, item.product_name, item.quantity, item.unit_price
  from (
    select o.order_id, generate_subscripts(o.line_items, 1) as line_number, unnest(o.line_items) as item
    from {{ orders_relation }} as o
  ) as exploded
{%- endmacro %}

{#- Every day from start_date to end_date inclusive, as a single column date_day. -#}
{% macro date_series(start_date, end_date) -%}
  {{ return(adapter.dispatch('date_series', 'lakehouse')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__date_series(start_date, end_date) -%}
  select d.date_day
  from (select {{ start_date }} as s, {{ end_date }} as e) as series_bounds
  cross join unnest(sequence(series_bounds.s, series_bounds.e, interval '1' day)) as d (date_day)
{%- endmacro %}

{% macro duckdb__date_series(start_date, end_date) -%}
  select cast(d.date_day as date) as date_day
  from (select {{ start_date }} as s, {{ end_date }} as e) as series_bounds,
    generate_series(cast(series_bounds.s as timestamp), cast(series_bounds.e as timestamp), interval 1 day) as d (date_day)
{%- endmacro %}

{#- ISO day of week: Monday = 1 … Sunday = 7. -#}
{% macro iso_day_of_week(date_expr) -%}
  {{ return(adapter.dispatch('iso_day_of_week', 'lakehouse')(date_expr)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_expr) -%}
  day_of_week({{ date_expr }})
{%- endmacro %}

{% macro duckdb__iso_day_of_week(date_expr) -%}
  isodow({{ date_expr }})
{%- endmacro %}

{#- Timestamp of the start of this dbt invocation, typed like the engine's timestamps (Athena's Iceberg tables
    store timestamp(6) without zone; DuckDB keeps the zone). -#}
{% macro run_timestamp() -%}
  {{ return(adapter.dispatch('run_timestamp', 'lakehouse')()) }}
{%- endmacro %}

{% macro default__run_timestamp() -%}
  cast(from_iso8601_timestamp('{{ run_started_at.isoformat() }}') as timestamp(6))
{%- endmacro %}

{% macro duckdb__run_timestamp() -%}
  cast('{{ run_started_at.isoformat() }}' as timestamptz)
{%- endmacro %}

{#- A UTC instant as the engine's marts store it. Athena cannot create Iceberg columns of type timestamp with
    time zone, so the instant becomes a zone-less timestamp(6) in UTC there; DuckDB keeps timestamptz. -#}
{% macro utc_timestamp(expr) -%}
  {{ return(adapter.dispatch('utc_timestamp', 'lakehouse')(expr)) }}
{%- endmacro %}

{% macro default__utc_timestamp(expr) -%}
  cast({{ expr }} at time zone 'UTC' as timestamp(6))
{%- endmacro %}

{% macro duckdb__utc_timestamp(expr) -%}
  {{ expr }}
{%- endmacro %}

{#- dbt-duckdb's snapshot bookkeeping columns are zone-less timestamps; the strategy's updated_at must match them.
    Athena's are already timestamp(6). -#}
{% macro snapshot_timestamp(expr) -%}
  {{ return(adapter.dispatch('snapshot_timestamp', 'lakehouse')(expr)) }}
{%- endmacro %}

{% macro default__snapshot_timestamp(expr) -%}
  {{ expr }}
{%- endmacro %}

{% macro duckdb__snapshot_timestamp(expr) -%}
  cast({{ expr }} at time zone 'UTC' as timestamp)
{%- endmacro %}

{#- The start of time in the engine's mart timestamp type: the valid_from of a user's first profile version, so
    a fact older than every version the users table carries still finds one. -#}
{% macro start_of_time() -%}
  {{ return(adapter.dispatch('start_of_time', 'lakehouse')()) }}
{%- endmacro %}

{% macro default__start_of_time() -%}
  timestamp '1900-01-01 00:00:00.000000'
{%- endmacro %}

{% macro duckdb__start_of_time() -%}
  timestamptz '1900-01-01 00:00:00+00'
{%- endmacro %}
