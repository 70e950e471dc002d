{{
  config(
    materialized='incremental',
    unique_key='order_id',
    incremental_strategy='merge',
    on_schema_change='append_new_columns',
    partitioned_by=(['day(order_ts)'] if target.type == 'athena' else none),
  )
}}
-- One row per order, in its latest status. Incremental without a watermark (ADR 0012): a run merges on order_id
-- only the orders the fact lacks, those with a version ingested since, and those whose user version resolved
-- differently — whatever order their commits landed in.
with orders as (
  select * from {{ ref('int_orders_enriched') }}
),

final as (
  select
    orders.order_id,
    orders.order_number,
    orders.order_date,
    orders.order_ts,
    orders.user_id,
    orders.user_sk,
    orders.status,
    orders.is_cancelled,
    orders.currency,
    orders.total_amount,
    orders.discount_rate,
    orders.line_count,
    orders.units,
    orders.items_subtotal,
    orders.shipping_country,
    orders.gift,
    orders.ingested_at,
    '{{ invocation_id }}' as dbt_invocation_id,
    {{ lakehouse.run_timestamp() }} as dbt_loaded_at
  from orders
  {{ lakehouse.only_new_or_changed('orders', 'order_id', ['ingested_at', 'user_sk']) }}
)

select * from final
