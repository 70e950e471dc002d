-- Orders with their line-item totals and the user version that was valid when the order was placed.
with items as (
  select
    order_id,
    count(*) as line_count,
    sum(quantity) as units,
    sum(quantity * unit_price) as items_subtotal
  from {{ ref('stg_order_items') }}
  group by order_id
)

select
  o.order_id,
  o.order_number,
  o.user_id,
  u.user_sk,
  o.order_ts,
  o.order_date,
  o.status,
  o.status in ('cancelled', 'refunded') as is_cancelled,
  o.currency,
  o.total_amount,
  o.discount_rate,
  coalesce(items.line_count, 0) as line_count,
  coalesce(items.units, 0) as units,
  items.items_subtotal,
  o.shipping_country,
  o.gift,
  o.ingested_at
from {{ ref('stg_orders') }} as o
left join items on items.order_id = o.order_id
left join {{ ref('int_user_versions') }} as u
  on u.user_id = o.user_id
  and o.order_ts >= u.valid_from
  and (u.valid_to is null or o.order_ts < u.valid_to)
