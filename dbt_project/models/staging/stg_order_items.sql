-- One row per line item of the latest version of each order.
{{ lakehouse.unnest_line_items(ref('stg_orders')) }}
