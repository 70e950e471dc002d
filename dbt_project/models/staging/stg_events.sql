-- One row per event: the last ingested copy wins when the same event_id arrived twice (at-least-once delivery).
with deduplicated as (
  {{ lakehouse.latest_per_key(source('processed', 'events'), ['event_id'], '_ingested_at desc, _source desc') }}
)

select
  event_id,
  user_id,
  event_type,
  {{ lakehouse.utc_timestamp("event_ts") }} as event_ts,
  event_date,
  amount,
  country,
  session_id,
  properties.page as page,
  properties.referrer as referrer,
  properties.ab as ab_variant,
  {{ lakehouse.utc_timestamp("_ingested_at") }} as ingested_at,
  _source as source_name
from deduplicated
