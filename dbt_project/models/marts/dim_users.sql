-- Users as a slowly changing dimension of type 2: one row per profile version, valid over [valid_from, valid_to);
-- the current version has valid_to null. Built from the full version history the users table carries (so two
-- versions landing in one load still give two rows); snapshots/users_snapshot records the current version on
-- every run and a singular test keeps the two in agreement.
select
  user_sk,
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
  valid_from,
  valid_to,
  is_current
from {{ ref('int_user_versions') }}
