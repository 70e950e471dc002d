-- Users as a slowly changing dimension of type 2: one row per profile version, valid over [valid_from, valid_to);
-- the current version has valid_to null and the first is valid from the start of time. Built from the full version
-- history the users table carries (so two versions landing in one load still give two rows);
-- snapshots/users_snapshot records the current version on every run and a singular test keeps the two in agreement.
-- Plus the unknown member (user_sk '-1'), which facts point at while their user has no profile yet.
with user_versions as (
  select * from {{ ref('int_user_versions') }}
),

unknown_member as (
  select
    {{ lakehouse.unknown_member_key() }} as user_sk,
    null as user_id,
    null as version_number,
    null as email,
    'Unknown user' as full_name,
    -- ZZ: the code CLDR uses for an unknown region.
    'ZZ' as country,
    null as plan,
    null as birth_date,
    null as marketing_opt_in,
    null as loyalty_points,
    null as created_at,
    null as updated_at,
    {{ lakehouse.start_of_time() }} as valid_from,
    null as valid_to,
    true as is_current
),

final as (
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
  from user_versions

  union all

  select * from unknown_member
)

select * from final
