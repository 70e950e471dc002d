{{
  config(
    materialized='incremental',
    unique_key='event_id',
    incremental_strategy='merge',
    on_schema_change='append_new_columns',
    partitioned_by=(['day(event_ts)'] if target.type == 'athena' else none),
  )
}}
-- One row per event. Incremental: a run reads only events ingested after the newest one already here and merges
-- them on event_id, so a re-delivered event replaces its row and every other row is left untouched.
with events as (
  select *
  from {{ ref('stg_events') }}
  {% if is_incremental() %}
  where (select count(*) from {{ this }}) = 0
    or ingested_at > (select max(ingested_at) from {{ this }})
  {% endif %}
)

select
  e.event_id,
  e.event_date,
  e.event_ts,
  e.user_id,
  u.user_sk,
  e.session_id,
  e.event_type,
  e.amount,
  e.country,
  e.page,
  e.referrer,
  e.ab_variant,
  e.ingested_at,
  '{{ invocation_id }}' as dbt_invocation_id,
  {{ lakehouse.run_timestamp() }} as dbt_loaded_at
from events as e
left join {{ ref('int_user_versions') }} as u
  on u.user_id = e.user_id
  and e.event_ts >= u.valid_from
  and (u.valid_to is null or e.event_ts < u.valid_to)
