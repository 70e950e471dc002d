-- Products as seen in orders, keyed by SKU.
select
  i.sku,
  max(i.product_name) as product_name,
  min(o.order_ts) as first_ordered_at,
  max(o.order_ts) as last_ordered_at,
  count(distinct i.order_id) as order_count,
  sum(i.quantity) as units_ordered
from {{ ref('stg_order_items') }} as i
join {{ ref('stg_orders') }} as o on o.order_id = i.order_id
group by i.sku
