-- One row per line item of each order's latest version.
select
  {{ lakehouse.surrogate_key(['i.order_id', 'i.line_number']) }} as order_item_sk,
  i.order_id,
  i.line_number,
  o.order_date,
  i.sku,
  i.quantity,
  i.unit_price,
  i.quantity * i.unit_price as line_amount
from {{ ref('stg_order_items') }} as i
join {{ ref('stg_orders') }} as o on o.order_id = i.order_id
