-- A calendar day per row, covering every fact date with a margin on both sides.
{% set padding = var('date_spine_padding_days') %}
with fact_days as (
  select event_date as day from {{ ref('stg_events') }}
  union all
  select order_date as day from {{ ref('stg_orders') }}
),

bounds as (
  select
    coalesce(min(day), current_date) as first_day,
    coalesce(max(day), current_date) as last_day
  from fact_days
),

days as (
  {{ lakehouse.date_series(
      'cast(' ~ dbt.dateadd('day', -padding, '(select first_day from bounds)') ~ ' as date)',
      'cast(' ~ dbt.dateadd('day', padding, '(select last_day from bounds)') ~ ' as date)'
  ) }}
)

select
  date_day,
  year(date_day) * 10000 + month(date_day) * 100 + day(date_day) as date_key,
  year(date_day) as year,
  quarter(date_day) as quarter,
  month(date_day) as month,
  day(date_day) as day_of_month,
  {{ lakehouse.iso_day_of_week('date_day') }} as iso_day_of_week,
  {{ lakehouse.iso_day_of_week('date_day') }} >= 6 as is_weekend,
  week(date_day) as iso_week
from days
