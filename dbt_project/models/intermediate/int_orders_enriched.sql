-- Orders with their line-item totals and the user version that was valid when the order was placed (the unknown
-- member while the user has no profile yet; orders older than the first profile attach to it).
with orders as (
  select * from {{ ref('stg_orders') }}
),

order_items as (
  select * from {{ ref('stg_order_items') }}
),

user_versions as (
  select * from {{ ref('int_user_versions') }}
),

items as (
  select
    order_id,
    count(*) as line_count,
    sum(quantity) as units,
    sum(quantity * unit_price) as items_subtotal
  from order_items
  group by order_id
),

final as (
  select
    o.order_id,
    o.order_number,
    o.user_id,
    coalesce(u.user_sk, {{ lakehouse.unknown_member_key() }}) as user_sk,
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
  from orders as o
  left join items on items.order_id = o.order_id
  left join user_versions as u
    on u.user_id = o.user_id
    and {{ lakehouse.valid_at('u', 'o.order_ts') }}
)

select * from final
