-- The current profile of each user: what the users snapshot records on every run.
select
  user_id,
  email,
  full_name,
  country,
  plan,
  birth_date,
  marketing_opt_in,
  loyalty_points,
  created_at,
  {{ lakehouse.snapshot_timestamp('updated_at') }} as updated_at
from {{ ref('int_user_versions') }}
where is_current
