-- Every version of every user profile (the history dim_users is built from); a version ingested twice counts once.
with deduplicated as (
  {{ lakehouse.latest_per_key(source('processed', 'users'), ['user_id', 'updated_at'], '_ingested_at desc') }}
)

select
  user_id,
  email,
  full_name,
  country,
  plan,
  birth_date,
  marketing_opt_in,
  loyalty_points,
  {{ lakehouse.utc_timestamp("created_at") }} as created_at,
  {{ lakehouse.utc_timestamp("updated_at") }} as updated_at,
  {{ lakehouse.utc_timestamp("_ingested_at") }} as ingested_at
from deduplicated
