-- The snapshot's current row for each user must be dim_users' current row: same version, same country and plan.
select s.user_id
from {{ ref('users_snapshot') }} as s
left join {{ ref('dim_users') }} as d
  on d.user_id = s.user_id and d.is_current
where s.dbt_valid_to is null
  and (d.user_id is null or {{ lakehouse.snapshot_timestamp('d.updated_at') }} <> s.updated_at or d.country <> s.country or d.plan <> s.plan)
