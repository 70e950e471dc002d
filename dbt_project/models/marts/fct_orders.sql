{{
  config(
    materialized='incremental',
    unique_key='order_id',
    incremental_strategy='merge',
    on_schema_change='append_new_columns',
    partitioned_by=(['day(order_ts)'] if target.type == 'athena' else none),
  )
}}
-- One row per order, in its latest status. Incremental: only orders with a version ingested after the newest one
-- already here are read; merging on order_id updates a changed order in place and inserts new ones.
select
  order_id,
  order_number,
  order_date,
  order_ts,
  user_id,
  user_sk,
  status,
  is_cancelled,
  currency,
  total_amount,
  discount_rate,
  line_count,
  units,
  items_subtotal,
  shipping_country,
  gift,
  ingested_at,
  '{{ invocation_id }}' as dbt_invocation_id,
  {{ lakehouse.run_timestamp() }} as dbt_loaded_at
from {{ ref('int_orders_enriched') }}
{% if is_incremental() %}
where (select count(*) from {{ this }}) = 0
  or ingested_at > (select max(ingested_at) from {{ this }})
{% endif %}
