-- SCD2 integrity: a user's versions never overlap and leave no gap (each valid_to is the next valid_from).
with ordered as (
  select
    user_id,
    valid_from,
    valid_to,
    lead(valid_from) over (partition by user_id order by valid_from) as next_valid_from
  from {{ ref('dim_users') }}
)

select user_id, valid_from, valid_to, next_valid_from
from ordered
where valid_to <= valid_from
  or (next_valid_from is null and valid_to is not null)
  or (next_valid_from is not null and (valid_to is null or valid_to <> next_valid_from))
