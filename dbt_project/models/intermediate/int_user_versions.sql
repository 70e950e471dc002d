-- SCD type 2 over the profile history the users table carries: each version is valid from its updated_at until
-- the next version's. The first known version is valid from the start of time: a fact older than every version
-- the table carries (an event before the account's created_at — device clocks, activity before sign-up — or before
-- the first profile update) attaches to the earliest version instead of to no user. created_at keeps the real
-- creation time. The current version has valid_to null.
with versions as (
  select
    stg_users.*,
    lead(updated_at) over (partition by user_id order by updated_at) as next_updated_at,
    row_number() over (partition by user_id order by updated_at) as version_number
  from {{ ref('stg_users') }} as stg_users
)

select
  {{ lakehouse.surrogate_key(['user_id', 'updated_at']) }} as user_sk,
  user_id,
  version_number,
  email,
  full_name,
  country,
  plan,
  birth_date,
  marketing_opt_in,
  loyalty_points,
  created_at,
  updated_at,
  case when version_number = 1 then {{ lakehouse.start_of_time() }} else updated_at end as valid_from,
  next_updated_at as valid_to,
  next_updated_at is null as is_current,
  ingested_at
from versions
