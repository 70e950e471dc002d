-- The latest version of each order: the last ingested, then the latest order_ts (a status change is a new row).
with latest as (
  {{ lakehouse.latest_per_key(source('processed', 'orders'), ['order_id'], '_ingested_at desc, order_ts desc') }}
)

select
  order_id,
  order_number,
  user_id,
  {{ lakehouse.utc_timestamp("order_ts") }} as order_ts,
  order_date,
  status,
  currency,
  total_amount,
  discount_rate,
  shipping_country,
  gift,
  line_items,
  {{ lakehouse.utc_timestamp("_ingested_at") }} as ingested_at
from latest
