{{
  config(
    materialized='incremental',
    unique_key='event_id',
    incremental_strategy='merge',
    on_schema_change='append_new_columns',
    partitioned_by=(['day(event_ts)'] if target.type == 'athena' else none),
  )
}}
-- One row per event. Incremental without a watermark (ADR 0012): a run compares each event with the row the fact
-- holds and merges on event_id only the events it lacks, those whose newest copy was ingested since, and those
-- whose user version resolved differently (a profile that arrived late) — whatever order their commits landed in.
with events as (
  select * from {{ ref('stg_events') }}
),

user_versions as (
  select * from {{ ref('int_user_versions') }}
),

resolved as (
  select
    events.*,
    -- The version valid at event time; the unknown member while the user has no profile yet (re-resolved by a
    -- later run once it arrives). Events older than the first profile attach to it (see int_user_versions).
    coalesce(user_versions.user_sk, {{ lakehouse.unknown_member_key() }}) as user_sk
  from events
  left join user_versions
    on user_versions.user_id = events.user_id
    and {{ lakehouse.valid_at('user_versions', 'events.event_ts') }}
),

final as (
  select
    resolved.event_id,
    resolved.event_date,
    resolved.event_ts,
    resolved.user_id,
    resolved.user_sk,
    resolved.session_id,
    resolved.event_type,
    resolved.amount,
    resolved.country,
    resolved.page,
    resolved.referrer,
    resolved.ab_variant,
    resolved.ingested_at,
    '{{ invocation_id }}' as dbt_invocation_id,
    {{ lakehouse.run_timestamp() }} as dbt_loaded_at
  from resolved
  {{ lakehouse.only_new_or_changed('resolved', 'event_id', ['ingested_at', 'user_sk']) }}
)

select * from final
