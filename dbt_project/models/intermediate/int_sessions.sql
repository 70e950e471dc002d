-- Sessions: the events sharing a session_id, with their span, activity and revenue.
select
  session_id,
  min(user_id) as user_id,
  min(event_ts) as session_start,
  max(event_ts) as session_end,
  {{ dbt.datediff('min(event_ts)', 'max(event_ts)', 'second') }} as duration_seconds,
  count(*) as event_count,
  sum(case when event_type = 'page_view' then 1 else 0 end) as page_views,
  sum(case when event_type = 'purchase' then 1 else 0 end) as purchases,
  coalesce(sum(case when event_type = 'purchase' then amount end), 0) as revenue,
  max(ingested_at) as ingested_at
from {{ ref('stg_events') }}
group by session_id
